import type { ElectionLock } from './test-seam.js';

/**
 * Which lock each election campaigns with, so that instrumentation asked to follow one election
 * (`dynamo-dlm/opentelemetry`) can pick out its lease's events among every lock's. Internal: the
 * election's lock is not part of its public surface.
 */
const campaignLocks = new WeakMap<object, ElectionLock>();

/** Records that `election` campaigns with `lock`. */
export function setCampaignLock(election: object, lock: ElectionLock): void {
  campaignLocks.set(election, lock);
}

/** The lock `election` campaigns with; undefined for anything that is not an election. */
export function campaignLockOf(election: object): object | undefined {
  return campaignLocks.get(election);
}
