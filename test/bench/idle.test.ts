// The contract's idle figure (bench/lib/idle.mjs), which both the bench and the randomized
// waiting-contract test judge by, on hand-made time lines (ms).
import { describe, expect, test } from 'vitest';
import {
  type Attempt,
  type Hold,
  idleAfterReleases,
  idleBoundMs,
  idleSummary,
  roundTripMs,
} from '../../bench/lib/idle.mjs';

/** A hold from `at` to `until`, its release taking `rtt`; its call made at `calledAt`. */
const hold = (at: number, until: number, rtt = 10): Hold => ({
  acquiredAt: at,
  releaseCalledAt: until - rtt,
  releasedAt: until,
});
const call = (calledAt: number, endedAt: number): Attempt => ({ calledAt, endedAt });

describe('idleAfterReleases', () => {
  test('a release nobody waits for is no sample', () => {
    expect(idleAfterReleases([hold(0, 100), hold(500, 600)], [call(0, 0), call(450, 500)])).toEqual([]);
  });

  test('a waiter already waiting at the release: the idle runs to the next acquisition', () => {
    const samples = idleAfterReleases([hold(0, 100), hold(400, 500)], [call(0, 0), call(50, 400)]);
    expect(samples).toEqual([{ releasedAt: 100, idleMs: 300, boundMs: 2_010, taken: true }]);
  });

  test('waiters that leave end the idle when the last one leaves, unless another came meanwhile', () => {
    // A gives up 100 ms after the release and nobody else waits: 100 ms, not taken.
    expect(idleAfterReleases([hold(0, 100), hold(5_000, 5_100)], [call(50, 200), call(5_000, 5_000)])).toEqual([
      { releasedAt: 100, idleMs: 100, boundMs: 2_010, taken: false },
    ]);
    // B came while A still waited and is served 2.9 s after the release: the lock stood idle all along.
    const [sample] = idleAfterReleases([hold(0, 100), hold(3_000, 3_100)], [call(50, 200), call(150, 3_000)]);
    expect(sample).toMatchObject({ idleMs: 2_900, taken: true });
  });

  test('a waiter served before its releaser heard back counts 0 (while another still waits)', () => {
    const samples = idleAfterReleases([hold(0, 100), hold(95, 200)], [call(50, 95), call(60, 300)]);
    expect(samples[0]).toMatchObject({ releasedAt: 100, idleMs: 0, taken: true });
  });

  test('a release that failed is no release: the lock stayed held until its lease ran out', () => {
    const failed = { ...hold(0, 100), releaseFailed: true };
    expect(idleAfterReleases([failed, hold(3_000, 3_100)], [call(50, 3_000)])).toEqual([]);
  });

  test('a killed waiter (its call ended when it died) is a live waiter until then', () => {
    const samples = idleAfterReleases([hold(0, 100), hold(8_000, 8_100)], [call(50, 6_000), call(7_900, 8_000)]);
    expect(samples).toEqual([{ releasedAt: 100, idleMs: 5_900, boundMs: 2_010, taken: false }]);
  });
});

describe('idleBoundMs', () => {
  const rtt = { roundTripMs: 7 };
  test('maxPollInterval, or a quarter of the longest hold in progress during the minute before, plus a round trip', () => {
    expect(idleBoundMs([hold(0, 100)], 100, rtt)).toBe(2_007);
    // A 12 s hold that ended at the release.
    expect(idleBoundMs([hold(0, 12_000)], 12_000, rtt)).toBe(3_007);
    // The same hold, 30 s before a later release; and 61 s before.
    expect(idleBoundMs([hold(0, 12_000), hold(42_000, 42_050)], 42_050, rtt)).toBe(3_007);
    expect(idleBoundMs([hold(0, 12_000), hold(73_000, 73_050)], 73_050, rtt)).toBe(2_007);
    expect(idleBoundMs([hold(0, 100)], 100, { roundTripMs: 7, maxPollIntervalMs: 500 })).toBe(507);
  });

  test('the round trip is the median release', () => {
    expect(roundTripMs([hold(0, 100, 5), hold(200, 300, 9), hold(400, 500, 40)])).toBe(9);
  });
});

test('idleSummary: p50, p99, max, and how the idle stood to its bound', () => {
  const samples = [100, 200, 300, 4_000].map((idleMs, i) => ({ releasedAt: i, idleMs, boundMs: 2_000, taken: true }));
  expect(idleSummary(samples)).toEqual({
    n: 4,
    median: 250,
    p99: 3_889,
    max: 4_000,
    overBound: 1,
    p99OfBound: 1.9445,
    maxOfBound: 2,
  });
});
