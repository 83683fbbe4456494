import { describe, expect, test } from 'vitest';
import { holdAverage, pollDelay, waitAverage } from '../../src/acquire/poll-timing.js';

describe('the averages a release records', () => {
  test('the running average moves a quarter of the way to each new hold', () => {
    expect(holdAverage(undefined, 7_000)).toBe(7_000);
    expect(holdAverage(1_000, 5_000)).toBe(2_000);
  });

  test('the average polled wait moves a tenth of the way to each new one', () => {
    expect(waitAverage(undefined, 900)).toBe(900);
    expect(waitAverage(1_000, 0)).toBe(900);
    expect(waitAverage(100, -5)).toBe(90);
  });
});

describe('timing the polls', () => {
  test('under a 300 ms average polled wait, the contention backoff; from there, a third of the average apart (0.5-1.5x), at most maxPollInterval', () => {
    expect(pollDelay(1, undefined, 2_000, () => 0.5)).toBe(25);
    expect(pollDelay(1, 299, 2_000, () => 0.5)).toBe(25);
    expect(pollDelay(3, 299, 2_000, () => 0.5)).toBe(100);
    expect(pollDelay(1, 600, 2_000, () => 0)).toBe(100);
    expect(pollDelay(9, 600, 2_000, () => 0.999)).toBeCloseTo(299.8, 1);
    expect(pollDelay(1, 60_000, 2_000, () => 0.5)).toBe(2_000);
  });
});
