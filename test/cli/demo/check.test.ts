import { describe, expect, test } from 'vitest';
import { checkHolds, formatSummary, type Hold, summarize, type WorkerReport } from '../../../src/cli/demo/check.js';
import { progressLine } from '../../../src/cli/demo/demo.js';

const hold = (start: number, end: number, fencingToken: number, worker = 0): Hold => ({
  start,
  end,
  fencingToken,
  worker,
});

describe('checkHolds', () => {
  test('back-to-back holds with increasing tokens are fine, in any input order', () => {
    expect(checkHolds([hold(20, 30, 3), hold(0, 10, 1), hold(10, 20, 2)])).toEqual({
      overlaps: 0,
      tokenOrderErrors: 0,
    });
  });

  test('a hold that starts before an earlier one ended is an overlap, even past a short one', () => {
    expect(checkHolds([hold(0, 10, 1), hold(9.5, 12, 2)]).overlaps).toBe(1);
    // The long first hold covers the third one too.
    expect(checkHolds([hold(0, 100, 1), hold(99, 101, 2, 1), hold(50, 60, 3, 2)]).overlaps).toBe(2);
    // Touching ends are not an overlap: the next hold began when the previous one ended.
    expect(checkHolds([hold(0, 10, 1), hold(10, 20, 2)]).overlaps).toBe(0);
  });

  test('a token not greater than the previous hold’s is an ordering error', () => {
    expect(checkHolds([hold(0, 1, 5), hold(2, 3, 4), hold(4, 5, 6)]).tokenOrderErrors).toBe(1);
    expect(checkHolds([hold(0, 1, 5), hold(2, 3, 5)]).tokenOrderErrors).toBe(1);
  });
});

describe('summarize', () => {
  const reports: WorkerReport[] = [
    {
      worker: 0,
      holds: [hold(0, 1, 101), hold(4, 5, 103)],
      attempts: 3,
      waits: 1,
      staleWrites: 0,
      takeovers: 0,
      crashed: false,
    },
    { worker: 1, holds: [hold(2, 3, 102, 1)], attempts: 4, waits: 1, staleWrites: 0, takeovers: 0, crashed: false },
  ];

  test('a clean run has zero violations', () => {
    const s = summarize(reports, 3, 3);
    expect(s).toMatchObject({
      workers: 2,
      acquisitions: 3,
      waits: 2,
      attempts: 7,
      tokenMin: 101,
      tokenMax: 103,
      overlaps: 0,
      lostUpdates: 0,
      violations: 0,
    });
    const text = formatSummary(s, 1234).join('\n');
    expect(text).not.toContain('crashed holders');
    expect(text).toContain('mutual-exclusion violations: 0');
    expect(text).toContain('101 .. 103 (3 values for 3 acquisitions; strictly increasing in hold order: yes)');
  });

  test('lost updates, stale writes and overlaps all count as violations', () => {
    const overlapping: WorkerReport[] = [
      ...reports,
      { worker: 2, holds: [hold(0.5, 2, 104, 2)], attempts: 1, waits: 0, staleWrites: 1, takeovers: 1, crashed: true },
    ];
    const s = summarize(overlapping, 3, 4);
    expect(s.lostUpdates).toBe(1);
    expect(s).toMatchObject({ crashed: 1, takeovers: 1 });
    expect(formatSummary(s, 0).join('\n')).toMatch(/crashed holders\s+1/);
    expect(s.staleWrites).toBe(1);
    expect(s.overlaps).toBe(1);
    expect(s.violations).toBe(1 + s.tokenOrderErrors + 1 + 1);
    expect(formatSummary(s, 0).join('\n')).toContain(`mutual-exclusion violations: ${s.violations}`);
  });
});

test('progressLine fills its bar in proportion', () => {
  expect(progressLine(0, 10, 2, 2, 10)).toBe('[..........] 0/10 increments, 2 of 2 workers running');
  expect(progressLine(5, 10, 2, 1, 10)).toBe('[#####.....] 5/10 increments, 1 of 2 workers running');
  expect(progressLine(10, 10, 2, 0, 10)).toBe('[##########] 10/10 increments, 0 of 2 workers running');
});
