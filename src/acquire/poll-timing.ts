import { backoffDelay, CONTENTION_BACKOFF } from '../runtime/backoff.js';

/**
 * The running averages each release records in the lock item for waiters to time their polls by
 * (`avg_hold_ms`, `avg_wait_ms`), and how a waiter that polls rather than queues times its polls
 * by the average wait. Pure functions; `wait-policy.ts` decides with them.
 */

/** Weight of the latest hold in the running average the releases record. */
export const HOLD_AVERAGE_WEIGHT = 0.25;

/** The running average of hold times after a hold of `heldMs`. */
export function holdAverage(previous: number | undefined, heldMs: number): number {
  return runningAverage(previous, heldMs, HOLD_AVERAGE_WEIGHT);
}

function runningAverage(previous: number | undefined, sample: number, weight: number): number {
  const x = Math.max(0, sample);
  return previous === undefined ? x : previous + weight * (x - previous);
}

/**
 * Polls a polling waiter spends on an average wait, once waits are long enough to be timed
 * (`POLL_SCALE_FROM_MS`): it then polls at uniform random intervals of a third of the average
 * wait (half to one and a half times that). With N waiters each waiting about N cycles, the item
 * sees about three polls a cycle, so the refused writes per acquisition no longer grow with N,
 * and the hand-off after a release waits about a third of a cycle for the next poll. The backoff
 * instead restarts at 50 ms for each acquire and levels at 200 ms: 32 processes with 5 ms holds
 * paid 5-12 refused writes per acquisition with it, and its fresh waiters, polling fastest, won
 * most hand-offs.
 */
export const POLLS_PER_WAIT = 3;
/**
 * The average polled wait (ms) from which polls are timed by it rather than by the backoff.
 * 8 processes with 5 ms holds settle at 50-200 ms, 32 at 460-580 ms. At 200 ms the 8 crossed it
 * now and then and ran 3-15% slower than with the backoff alone (six side-by-side runs).
 */
export const POLL_SCALE_FROM_MS = 300;

/**
 * Weight of the latest polled wait in the item's running average. Small, because every waiter
 * times its polls by the average and its own latest wait is in it: with each lock keeping its
 * own average of its own waits (weight 0.25), the locks that had been lucky polled faster and
 * won more (Jain's index 0.61-0.74 over 8 and 32 processes, against 0.93-0.99 with the backoff).
 */
export const WAIT_AVERAGE_WEIGHT = 0.1;

/** The item's running average of polled waits after an acquisition that waited `waitedMs` polling. */
export function waitAverage(previous: number | undefined, waitedMs: number): number {
  return runningAverage(previous, waitedMs, WAIT_AVERAGE_WEIGHT);
}

/** Whether polls are timed by an average polled wait of `avgPollWaitMs` (else by the backoff). */
export function timedPolls(avgPollWaitMs: number | undefined): avgPollWaitMs is number {
  return avgPollWaitMs !== undefined && avgPollWaitMs >= POLL_SCALE_FROM_MS;
}

/**
 * How long a polling waiter sleeps after a refusal: a share of the item's average polled wait
 * when that is long (`POLLS_PER_WAIT`), else the contention backoff. At most `maxPollMs`.
 */
export function pollDelay(
  refusals: number,
  avgPollWaitMs: number | undefined,
  maxPollMs: number,
  random: () => number,
): number {
  if (!timedPolls(avgPollWaitMs)) return backoffDelay(CONTENTION_BACKOFF, Math.max(1, refusals), random);
  return Math.min(maxPollMs, (avgPollWaitMs / POLLS_PER_WAIT) * (0.5 + random()));
}
