import { describe, expect, test } from 'vitest';
import { backoffDelay, CONTENTION_BACKOFF, THROTTLE_BACKOFF } from '../../src/runtime/backoff.js';

describe('backoffDelay', () => {
  test('ceilings double from base and stop at the cap (random = just under 1)', () => {
    const top = () => 0.999_999;
    const ceilings = [1, 2, 3, 4, 5, 6, 7].map((n) => Math.round(backoffDelay(CONTENTION_BACKOFF, n, top)));
    expect(ceilings).toEqual([50, 100, 200, 200, 200, 200, 200]);
    const throttle = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => Math.round(backoffDelay(THROTTLE_BACKOFF, n, top)));
    expect(throttle).toEqual([50, 100, 200, 400, 800, 1600, 2000, 2000]);
  });

  test('full jitter: the delay is random * ceiling, so 0 is possible and the ceiling is not', () => {
    const seq = [0, 0.25, 0.5];
    let i = 0;
    const random = () => seq[i++]!;
    expect([3, 3, 3].map((n) => backoffDelay(CONTENTION_BACKOFF, n, random))).toEqual([0, 50, 100]);
  });

  test('a huge attempt number neither overflows nor exceeds the cap', () => {
    for (const attempt of [31, 100, 10_000, Number.MAX_SAFE_INTEGER]) {
      const d = backoffDelay(THROTTLE_BACKOFF, attempt, () => 0.5);
      expect(d).toBe(1_000);
    }
  });

  test('never a hot loop: the mean contention delay over many draws is well above zero', () => {
    let seed = 1;
    const lcg = () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    const draws = Array.from({ length: 1_000 }, () => backoffDelay(CONTENTION_BACKOFF, 10, lcg));
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    expect(mean).toBeGreaterThan(80);
    expect(Math.max(...draws)).toBeLessThan(200);
  });
});
