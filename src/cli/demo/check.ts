/**
 * The demo's verdict, computed from what the workers recorded rather than assumed. Pure.
 */

/** One time a worker held the lock: from the acquire's success to just before its release. */
export interface Hold {
  /** Epoch ms (fractional), from the worker's high-resolution clock. */
  readonly start: number;
  readonly end: number;
  readonly fencingToken: number;
  readonly worker: number;
}

/** What one worker process reports when it is done. */
export interface WorkerReport {
  readonly worker: number;
  readonly holds: readonly Hold[];
  /** Conditional writes its acquires sent, successful ones included. */
  readonly attempts: number;
  /** Acquisitions that were refused at least once before succeeding. */
  readonly waits: number;
  /** Counter writes refused by the fencing check (a stale holder); 0 when exclusion holds. */
  readonly staleWrites: number;
  /** Acquisitions that took over the lease of a holder that had not released it. */
  readonly takeovers: number;
  /** Whether the worker was killed while holding the lock (its last hold lasts until its lease ends). */
  readonly crashed: boolean;
}

/** The demo's numbers. */
export interface DemoSummary {
  readonly workers: number;
  readonly acquisitions: number;
  readonly waits: number;
  readonly attempts: number;
  readonly takeovers: number;
  readonly crashed: number;
  readonly tokenMin: number | undefined;
  readonly tokenMax: number | undefined;
  readonly counter: number;
  readonly expected: number;
  /** Holds that began before an earlier hold had ended. */
  readonly overlaps: number;
  /** Holds whose fencing token was not greater than the previous hold's. */
  readonly tokenOrderErrors: number;
  /** Increments missing from (or extra in) the counter. */
  readonly lostUpdates: number;
  readonly staleWrites: number;
  /** Sum of the four kinds above: 0 when the lock excluded. */
  readonly violations: number;
}

/** Counts overlapping holds and out-of-order tokens across all workers. */
export function checkHolds(holds: readonly Hold[]): { overlaps: number; tokenOrderErrors: number } {
  const sorted = [...holds].sort((a, b) => a.start - b.start);
  let overlaps = 0;
  let tokenOrderErrors = 0;
  let latestEnd = Number.NEGATIVE_INFINITY;
  let lastToken = Number.NEGATIVE_INFINITY;
  for (const hold of sorted) {
    if (hold.start < latestEnd) overlaps++;
    if (hold.fencingToken <= lastToken) tokenOrderErrors++;
    latestEnd = Math.max(latestEnd, hold.end);
    lastToken = Math.max(lastToken, hold.fencingToken);
  }
  return { overlaps, tokenOrderErrors };
}

/** Sums the workers' reports and checks them against the final counter. */
export function summarize(reports: readonly WorkerReport[], counter: number, expected: number): DemoSummary {
  const holds = reports.flatMap((r) => r.holds);
  const { overlaps, tokenOrderErrors } = checkHolds(holds);
  const tokens = holds.map((h) => h.fencingToken);
  const lostUpdates = Math.abs(expected - counter);
  const staleWrites = reports.reduce((n, r) => n + r.staleWrites, 0);
  return {
    workers: reports.length,
    acquisitions: holds.length,
    waits: reports.reduce((n, r) => n + r.waits, 0),
    attempts: reports.reduce((n, r) => n + r.attempts, 0),
    takeovers: reports.reduce((n, r) => n + r.takeovers, 0),
    crashed: reports.filter((r) => r.crashed).length,
    tokenMin: tokens.length === 0 ? undefined : Math.min(...tokens),
    tokenMax: tokens.length === 0 ? undefined : Math.max(...tokens),
    counter,
    expected,
    overlaps,
    tokenOrderErrors,
    lostUpdates,
    staleWrites,
    violations: overlaps + tokenOrderErrors + lostUpdates + staleWrites,
  };
}

/** The summary as printed. */
export function formatSummary(s: DemoSummary, elapsedMs: number): string[] {
  const perAcquire = s.acquisitions === 0 ? 0 : s.attempts / s.acquisitions;
  const tokens =
    s.tokenMin === undefined
      ? '-'
      : `${s.tokenMin} .. ${s.tokenMax} (${(s.tokenMax ?? 0) - s.tokenMin + 1} values for ${s.acquisitions} acquisitions; strictly increasing in hold order: ${s.tokenOrderErrors === 0 ? 'yes' : 'NO'})`;
  return [
    '',
    'Summary',
    `  workers                    ${s.workers}`,
    `  acquisitions               ${s.acquisitions}`,
    `  waits                      ${s.waits} (acquisitions refused at least once first)`,
    `  attempts                   ${s.attempts} conditional writes (${perAcquire.toFixed(1)} per acquisition)`,
    ...(s.crashed === 0
      ? []
      : [
          `  crashed holders            ${s.crashed} (killed while holding the lock, never released it)`,
          `  takeovers                  ${s.takeovers} (the crashed holder's lease expired and the next acquire took it over)`,
        ]),
    `  fencing tokens             ${tokens}`,
    `  final counter              ${s.counter} (expected ${s.expected})`,
    `  overlapping holds          ${s.overlaps}`,
    `  lost updates               ${s.lostUpdates}`,
    `  stale writes fenced off    ${s.staleWrites}`,
    `  mutual-exclusion violations: ${s.violations}`,
    `  elapsed                    ${(elapsedMs / 1000).toFixed(1)} s`,
  ];
}
