/**
 * TUNING: the running average of hold times each release records in the lock item
 * (`avg_hold_ms`), beside the latest hold (`last_hold_ms`); waiters expect the shorter of the two
 * (`typicalHold` in `src/item/queue-view.ts`).
 */

/** Weight of the latest hold in the running average: a few holds move it. */
export const HOLD_AVERAGE_WEIGHT = 0.25;

/** The running average of hold times after a hold of `heldMs`. */
export function holdAverage(previous: number | undefined, heldMs: number): number {
  const x = Math.max(0, heldMs);
  return previous === undefined ? x : previous + HOLD_AVERAGE_WEIGHT * (x - previous);
}
