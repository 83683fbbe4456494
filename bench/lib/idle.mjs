// The contract's first promise (issue 19), as a figure: how long a released lock stood free while
// someone was waiting for it, against the bound the contract allows. The bench (every waiting
// row) and the randomized contract test (test/integration/waiting-contract-processes.test.ts) both judge
// by these functions.
//
// Input, on one clock shared by every process (bench/lib/stats.mjs `nowMs`), for one lock:
// - holds: `{ acquiredAt, releaseCalledAt, releasedAt, releaseFailed? }`, one per acquisition:
//   when `acquire()` resolved true, when `release()` was called, when it settled, and whether it
//   failed (then the lock stayed held until its lease ran out, and that is no release to count from);
// - attempts: `{ calledAt, endedAt }`, one per call to `acquire()`: when it was called, and when it
//   resolved, rejected, or its process died.
import { quantile, round } from './stats.mjs';

/** `maxPollInterval`'s default, ms: the floor of the bound. */
export const DEFAULT_MAX_POLL_INTERVAL_MS = 2_000;
/** Holds in progress this long before a release still let waiters sleep longer... */
export const LONG_HOLD_MEMORY_MS = 60_000;
/** ...by this share of the longest of them. */
export const LONG_HOLD_SHARE = 1 / 4;

/** One round trip: the median time a `release()` (one conditional write) took in the run. */
export function roundTripMs(holds) {
  return quantile(
    holds.map((h) => h.releasedAt - h.releaseCalledAt),
    0.5,
  );
}

/**
 * The contract's bound on the idle after a release at `releasedAt`: `maxPollInterval`, or a
 * quarter of the longest hold in progress during the minute before, whichever is longer, plus one
 * round trip. A hold is its time from `acquire()` resolving to `release()` resolving.
 */
export function idleBoundMs(holds, releasedAt, { maxPollIntervalMs = DEFAULT_MAX_POLL_INTERVAL_MS, roundTripMs }) {
  let longest = 0;
  for (const h of holds) {
    if (h.acquiredAt < releasedAt && h.releasedAt >= releasedAt - LONG_HOLD_MEMORY_MS)
      longest = Math.max(longest, h.releasedAt - h.acquiredAt);
  }
  return Math.max(maxPollIntervalMs, LONG_HOLD_SHARE * longest) + roundTripMs;
}

/**
 * One sample per release (that did not fail) that found a live waiter (a call to `acquire()` made before the release
 * resolved and not yet ended): `idleMs` runs from the release to the next acquisition, or to the
 * moment nobody waits any more (every call live at the release, and every call made while one
 * was, has ended) if that comes first (`taken` false). A next acquisition that resolved before
 * the releaser heard back counts as 0.
 */
export function idleAfterReleases(holds, attempts, { maxPollIntervalMs = DEFAULT_MAX_POLL_INTERVAL_MS } = {}) {
  const acquisitions = [...holds].sort((a, b) => a.acquiredAt - b.acquiredAt);
  const calls = [...attempts].sort((a, b) => a.calledAt - b.calledAt);
  const rtt = roundTripMs(holds);
  const samples = [];
  for (const [i, hold] of acquisitions.entries()) {
    const r = hold.releasedAt;
    if (hold.releaseFailed || !calls.some((a) => a.calledAt < r && a.endedAt > r)) continue;
    let waitedUntil = r;
    for (const a of calls) {
      if (a.calledAt > waitedUntil) break;
      waitedUntil = Math.max(waitedUntil, a.endedAt);
    }
    const next = acquisitions[i + 1]?.acquiredAt ?? Number.POSITIVE_INFINITY;
    samples.push({
      releasedAt: r,
      idleMs: Math.max(0, Math.min(next, waitedUntil) - r),
      boundMs: idleBoundMs(acquisitions, r, { maxPollIntervalMs, roundTripMs: rtt }),
      taken: next <= waitedUntil,
    });
  }
  return samples;
}

/** The idle figures of a run: p50, p99 and max of the idle, and how it stood to its bound. */
export function idleSummary(samples) {
  const idle = samples.map((s) => s.idleMs);
  const ofBound = samples.map((s) => s.idleMs / s.boundMs);
  return {
    n: samples.length,
    median: round(quantile(idle, 0.5)),
    p99: round(quantile(idle, 0.99)),
    max: round(idle.length === 0 ? Number.NaN : Math.max(...idle)),
    overBound: ofBound.filter((x) => x > 1).length,
    p99OfBound: round(quantile(ofBound, 0.99), 4),
    maxOfBound: round(ofBound.length === 0 ? Number.NaN : Math.max(...ofBound), 4),
  };
}
