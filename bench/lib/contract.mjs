// The contract of issue 19 as figures a row is judged by: one place for every limit the bench
// states a row against, and the judgement itself. The idle bound is in bench/lib/idle.mjs.

/** The limits, one line of intent each. */
export const CONTRACT = {
  /** Promise 2, never slower than plain polling: acquisitions/s at least this share of the baseline's. */
  throughputOfBaseline: 0.9,
  /** Promise 4, fair: Jain's index over processes in every row... */
  jain: 0.9,
  /** ...and in the long-holds row (4 processes, 7 s holds). */
  jainLongHolds: 0.95,
  /** Promise 3, bounded cost: waiting writes per waiter-minute with 4 processes holding 7 s... */
  longHoldsWritesPerWaiterMinute: 20,
  /** ...and in standby (1 holder for 10 min, 3 waiters)... */
  standbyWritesPerWaiterMinute: 12,
  /** ...where the hand-off after the long release has a median of at most this, ms. */
  standbyHandoffMedianMs: 1_000,
  /** Promise 1, bounded idle: the p99 of idle / bound at most 1. */
  idleP99OfBound: 1,
};

/**
 * Every figure of `row.targets` judged for one build's result `r` (`base`: the baseline's result of
 * the same row on the same server, for the throughput ratio). Returns `{ figure, value, limit,
 * ratio, met }` per figure: `ratio` is the value over its limit (or over the baseline's).
 */
export function judge(row, r, base) {
  const t = row.targets ?? {};
  const out = [];
  const add = (figure, value, limit, met) => out.push({ figure, value, limit, ratio: value / limit, met });
  add('mutual exclusion: overlaps', r.exclusionViolations, 0, r.exclusionViolations === 0);
  if (r.idle.n > 0)
    add('idle p99 / bound', r.idle.p99OfBound, CONTRACT.idleP99OfBound, r.idle.p99OfBound <= CONTRACT.idleP99OfBound);
  if (t.throughput && base !== undefined && base !== r) {
    const ratio = r.acqPerSec / base.acqPerSec;
    out.push({
      figure: 'acquisitions/s of baseline',
      value: r.acqPerSec,
      limit: CONTRACT.throughputOfBaseline * base.acqPerSec,
      ratio,
      met: ratio >= CONTRACT.throughputOfBaseline,
    });
  }
  if (t.jain !== undefined && r.jain !== undefined) add("Jain's index", r.jain, t.jain, r.jain >= t.jain);
  if (t.writesPerWaiterMinute !== undefined) {
    const v = r.writesPerWaiterMinute;
    add('waiting writes per waiter-minute', v, t.writesPerWaiterMinute, v <= t.writesPerWaiterMinute);
  }
  if (t.standbyHandoffMedianMs !== undefined) {
    const v = r.standbyHandoffMs.median;
    add('hand-off after the long hold, p50 ms', v, t.standbyHandoffMedianMs, v <= t.standbyHandoffMedianMs);
  }
  if (t.writeRateLimit !== undefined)
    add('writes sent/s', r.writeRatePerSec, t.writeRateLimit, r.writeRatePerSec <= t.writeRateLimit);
  if (t.noLoss) add('leases lost', r.events.lost, 0, r.events.lost === 0);
  return out;
}
