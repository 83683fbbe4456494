import { describe, expect, test } from 'vitest';
import { type Blocker, blocker, multiWaitDelay } from '../../src/transaction/multi-wait.js';

const s = { skewMs: 1_000, maxPollMs: 2_000 };
const NOW = 1_700_000_000_000;
const half = () => 0.5;

describe('multiWaitDelay', () => {
  test('short or unknown holds: the single lock’s poll backoff (50 ms doubling to 200 ms, full jitter)', () => {
    const unknown: Blocker[] = [{ expiresMs: NOW + 10_000, predictedMs: undefined }];
    expect([1, 2, 3, 4, 5].map((n) => multiWaitDelay(unknown, NOW, n, s, half))).toEqual([25, 50, 100, 100, 100]);
  });

  test('a hold predicted to last longer: sleeps until the slowest blocker’s predicted release', () => {
    const blockers: Blocker[] = [
      { expiresMs: NOW + 10_000, predictedMs: NOW + 700 },
      { expiresMs: NOW + 10_000, predictedMs: NOW + 1_300 },
    ];
    expect(multiWaitDelay(blockers, NOW, 1, s, half)).toBe(1_300);
    // ... but no longer than maxPollInterval at a time.
    expect(multiWaitDelay([{ expiresMs: NOW + 60_000, predictedMs: NOW + 30_000 }], NOW, 1, s, half)).toBe(2_000);
  });

  test('never past the last blocking lease end plus the skew allowance', () => {
    const blockers: Blocker[] = [
      { expiresMs: NOW - 900, predictedMs: undefined },
      { expiresMs: NOW - 950, predictedMs: NOW + 5_000 },
    ];
    // The later lease ends (with the allowance) 100 ms from now.
    expect(multiWaitDelay(blockers, NOW, 5, s, () => 0.99)).toBe(100);
  });

  test('a released marker or an ended lease that still refused (a queue is pending) bounds nothing', () => {
    const queued: Blocker[] = [
      { expiresMs: 0, predictedMs: undefined },
      { expiresMs: NOW + 100, predictedMs: undefined },
    ];
    expect(multiWaitDelay(queued, NOW, 4, s, () => 0.99)).toBe(198);
    const ended: Blocker[] = [{ expiresMs: NOW - 5_000, predictedMs: undefined }];
    expect(multiWaitDelay(ended, NOW, 4, s, () => 0.99)).toBe(198);
  });

  test('contract on random refusals: 1 ms to maxPollInterval, never past a last lease end still to come', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 5_000; i++) {
      const settings = { skewMs: Math.floor(random() * 2_000), maxPollMs: 1 + Math.floor(random() * 5_000) };
      const blockers: Blocker[] = Array.from({ length: 1 + Math.floor(random() * 4) }, () => {
        const r = random();
        const expiresMs = r < 0.1 ? undefined : r < 0.2 ? 0 : NOW + Math.floor((random() - 0.3) * 20_000);
        const predictedMs = random() < 0.5 ? undefined : NOW + Math.floor((random() - 0.3) * 20_000);
        return { expiresMs, predictedMs };
      });
      const delay = multiWaitDelay(blockers, NOW, 1 + Math.floor(random() * 10), settings, random);
      expect(delay).toBeGreaterThanOrEqual(1);
      expect(delay).toBeLessThanOrEqual(Math.max(1, settings.maxPollMs));
      const ends = blockers.map((b) =>
        b.expiresMs !== undefined && b.expiresMs > 0 ? b.expiresMs + settings.skewMs : NOW,
      );
      if (ends.every((end) => end > NOW)) expect(delay).toBeLessThanOrEqual(Math.max(1, Math.max(...ends) - NOW));
    }
  });
});

describe('blocker', () => {
  test('reads the lease end and the predicted release from the item a cancellation returned', () => {
    const item = {
      expires_ms: { N: String(NOW + 9_000) },
      acquired_ms: { N: String(NOW - 1_000) },
      avg_hold_ms: { N: '3000' },
    };
    expect(blocker(item, 1_000)).toEqual({ expiresMs: NOW + 9_000, predictedMs: NOW + 2_000 });
    expect(blocker({ expires: { N: String(NOW / 1000 + 5) } }, 1_000)).toEqual({
      expiresMs: NOW + 5_000,
      predictedMs: undefined,
    });
    expect(blocker(undefined, 1_000)).toEqual({ expiresMs: undefined, predictedMs: undefined });
  });
});
