/**
 * Capped exponential backoff with full jitter: attempt n waits uniformly in
 * [0, min(cap, base * 2^n)). Full jitter spreads contending waiters apart, so that polling
 * does not snowball into throttling.
 */
export interface BackoffPolicy {
  /** First ceiling, ms. */
  readonly baseMs: number;
  /** Largest ceiling, ms. */
  readonly capMs: number;
}

/**
 * Waiting for a lock held elsewhere. The first retry waits up to 50 ms, not 10: every retry is
 * a billed write, and in `npm run bench` (8 processes, 5 ms holds) a 10 ms base cost 5.6 writes
 * per acquisition and half the throughput; 50 ms gave about 4 and 70% of ideal, with the same
 * 200 ms cap so a long-held lock is still noticed within 200 ms of its release.
 */
export const CONTENTION_BACKOFF: BackoffPolicy = { baseMs: 50, capMs: 200 };

/** Backing off after throttling or a transient failure: slower, DynamoDB asked us to. */
export const THROTTLE_BACKOFF: BackoffPolicy = { baseMs: 50, capMs: 2_000 };

/**
 * The delay before retry number `attempt` (1 for the first retry).
 * `random` is injected so the sequence is exact in tests.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number): number {
  const exp = Math.min(attempt - 1, 30);
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** exp);
  return random() * ceiling;
}
