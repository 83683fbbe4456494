import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { parseQueueView, typicalHold } from '../item/queue-view.js';
import { backoffDelay, CONTENTION_BACKOFF } from '../runtime/backoff.js';

/**
 * How a multi-lock waits, as pure functions of what its last refused transaction said. A
 * cancelled transaction names the items whose conditions failed and (with `ALL_OLD`) returns
 * each as it stood: who holds it, until when, since when, and how long holds of it last on
 * average. The multi-lock needs every item at once, so it waits for the last of them.
 *
 * Contract, in every case: it never sleeps past the moment the last blocking lease it was told
 * of has surely ended (its end plus the clock skew allowance, when every blocker's end is still to
 * come), never longer than `maxPollMs` at a time, and never less than 1 ms (the unit tests check
 * this on random refusals).
 */

/** What a refused transaction said about one blocking item. */
export interface Blocker {
  /** Its holder's lease end, epoch ms; undefined where the server did not return the item. */
  readonly expiresMs: number | undefined;
  /** When its holder is expected to release (its start plus the hold to expect), epoch ms, where known. */
  readonly predictedMs: number | undefined;
}

/**
 * A blocking item, from the item a cancellation returned (or none). Its holder is expected to
 * release at its start plus the hold to expect (the shorter of the item's running average and
 * its latest hold), never past its lease end plus the skew allowance.
 */
export function blocker(item: Record<string, AttributeValue> | undefined, skewMs: number): Blocker {
  const view = parseQueueView(item);
  if (view === undefined) return { expiresMs: undefined, predictedMs: undefined };
  const hold = typicalHold(view);
  const held = view.expiresMs !== undefined && view.expiresMs > 0;
  const predictedMs =
    held && view.acquiredMs !== undefined && hold !== undefined
      ? Math.min((view.expiresMs as number) + skewMs, view.acquiredMs + hold)
      : undefined;
  return { expiresMs: view.expiresMs, predictedMs };
}

/** The settings a multi-lock waits with. */
export interface MultiWaitSettings {
  /** Allowance for other writers' clocks, ms (`clockSkewAllowance`). */
  readonly skewMs: number;
  /** The longest sleep between two tries, ms (`maxPollInterval`). */
  readonly maxPollMs: number;
}

/**
 * How long to wait before the next try, ms, after the `refusals`-th refusal in a row at wall time
 * `now`. Polls by the single lock's backoff (50 ms doubling to 200 ms, full jitter) while the
 * holds are short or unknown; when the slowest blocker is predicted to hold on for longer than
 * that, sleeps until its predicted release instead. Either way, never past the last blocker's
 * lease end plus the skew allowance (when every blocker's end is known and still to come) nor
 * `maxPollMs`.
 */
export function multiWaitDelay(
  blockers: readonly Blocker[],
  now: number,
  refusals: number,
  s: MultiWaitSettings,
  random: () => number,
): number {
  let delay = backoffDelay(CONTENTION_BACKOFF, refusals, random);
  const predicted = Math.max(...blockers.map((b) => b.predictedMs ?? Number.NEGATIVE_INFINITY));
  if (predicted - now > delay) delay = predicted - now;
  // Bounded by the last lease end only while every blocker has one still to come: a released
  // marker or an ended lease that refused us anyway (a queue is pending on it) ends at no known time.
  const ends = blockers.map((b) => (b.expiresMs !== undefined && b.expiresMs > 0 ? b.expiresMs + s.skewMs : now));
  if (blockers.length > 0 && ends.every((end) => end > now)) delay = Math.min(delay, Math.max(...ends) - now);
  return Math.max(1, Math.min(delay, s.maxPollMs));
}
