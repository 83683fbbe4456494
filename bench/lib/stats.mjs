// Order statistics and fairness, on plain arrays of numbers.

/** The q-quantile (0..1) by linear interpolation; NaN for an empty array. */
export function quantile(values, q) {
  if (values.length === 0) return Number.NaN;
  const s = Float64Array.from(values).sort();
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Median with p10, p90, p99 and the maximum: the spread this bench reports everywhere. */
export function summary(values) {
  return {
    n: values.length,
    p10: round(quantile(values, 0.1)),
    median: round(quantile(values, 0.5)),
    p90: round(quantile(values, 0.9)),
    p99: round(quantile(values, 0.99)),
    max: round(values.length === 0 ? Number.NaN : Math.max(...values)),
  };
}

/** Jain's fairness index: 1 when every worker got the same share, 1/n when one got it all. */
export function jain(counts) {
  const sum = counts.reduce((a, b) => a + b, 0);
  const squares = counts.reduce((a, b) => a + b * b, 0);
  return squares === 0 ? Number.NaN : (sum * sum) / (counts.length * squares);
}

/** Milliseconds on the system-wide monotonic clock, comparable across processes on one machine. */
export function nowMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Rounds for display and JSON. */
export function round(x, digits = 3) {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
