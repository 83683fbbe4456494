/**
 * No leak: every write a lock sends is cut off by a signal of its own, tied to the caller's
 * `signal`. A caller's signal can live as long as the process (an application's shutdown signal
 * passed to every acquire, an election's stop signal), so tying the two must leave nothing
 * behind in it. Measured in a process of its own, under --expose-gc, so that the test runner's
 * heap does not blur the figure.
 */
import { expect, test } from 'vitest';
import { ensureBuilt, fixture, runWorker } from '../support/processes.js';

test('100,000 writes sharing one caller signal, and 20,000 acquire/release cycles, leave the heap where it was', async () => {
  ensureBuilt();
  const run = await runWorker(
    process.execPath,
    ['--expose-gc', fixture('signal-retention.mjs'), '100000', '20000'],
    {},
  );
  expect(run.code, run.stderr).toBe(0);
  const figures = run.events[0] as { deadlineSignal: number; lockCycle: number };
  // Bytes retained per call. Before the fix, about 60 per write cut-off (AbortSignal.any keeps
  // each signal it makes referenced from the caller's), and about 40 per public acquire/release
  // cycle; after it, a few bytes of collector noise.
  expect(figures.deadlineSignal).toBeLessThan(20);
  expect(figures.lockCycle).toBeLessThan(25);
});
