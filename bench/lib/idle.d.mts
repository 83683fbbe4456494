// Types for the TypeScript tests that share the bench's definitions (test/integration/waiting-contract-processes.test.ts).
export interface Hold {
  readonly acquiredAt: number;
  readonly releaseCalledAt: number;
  readonly releasedAt: number;
  readonly releaseFailed?: boolean;
}
export interface Attempt {
  readonly calledAt: number;
  readonly endedAt: number;
}
export interface IdleSample {
  readonly releasedAt: number;
  readonly idleMs: number;
  readonly boundMs: number;
  readonly taken: boolean;
}
export interface IdleSummary {
  readonly n: number;
  readonly median: number;
  readonly p99: number;
  readonly max: number;
  readonly overBound: number;
  readonly p99OfBound: number;
  readonly maxOfBound: number;
}
export const DEFAULT_MAX_POLL_INTERVAL_MS: number;
export const LONG_HOLD_MEMORY_MS: number;
export const LONG_HOLD_SHARE: number;
export function roundTripMs(holds: readonly Hold[]): number;
export function idleBoundMs(
  holds: readonly Hold[],
  releasedAt: number,
  options: { readonly maxPollIntervalMs?: number; readonly roundTripMs: number },
): number;
export function idleAfterReleases(
  holds: readonly Hold[],
  attempts: readonly Attempt[],
  options?: { readonly maxPollIntervalMs?: number },
): IdleSample[];
export function idleSummary(samples: readonly IdleSample[]): IdleSummary;
