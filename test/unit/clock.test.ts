/** deadlineSignal: the caller's signal plus a deadline, and nothing left in the caller's signal afterwards. */
import { getEventListeners } from 'node:events';
import { describe, expect, test } from 'vitest';
import { deadlineSignal } from '../../src/runtime/clock.js';
import { FakeClock } from '../support/fake-clock.js';

describe('deadlineSignal', () => {
  test('aborts at the deadline, and says so', async () => {
    const clock = new FakeClock();
    const caller = new AbortController();
    const d = deadlineSignal(clock, caller.signal, clock.monotonic() + 100);
    await clock.advance(99);
    expect(d.signal?.aborted).toBe(false);
    await clock.advance(1);
    expect(d.signal?.aborted).toBe(true);
    expect(d.timedOut()).toBe(true);
    d.cancel();
  });

  test("aborts with the caller's reason when the caller aborts first", () => {
    const clock = new FakeClock();
    const caller = new AbortController();
    const d = deadlineSignal(clock, caller.signal, clock.monotonic() + 100);
    const reason = new Error('shutting down');
    caller.abort(reason);
    expect(d.signal?.aborted).toBe(true);
    expect(d.signal?.reason).toBe(reason);
    expect(d.timedOut()).toBe(false);
    d.cancel();
    expect(clock.pendingTimers).toBe(0);
  });

  test('a caller signal aborted already aborts it at once', () => {
    const clock = new FakeClock();
    const d = deadlineSignal(clock, AbortSignal.abort('gone'), clock.monotonic() + 100);
    expect(d.signal?.reason).toBe('gone');
    d.cancel();
  });

  test("cancel() leaves no listener on the caller's signal and no timer", () => {
    const clock = new FakeClock();
    const caller = new AbortController();
    for (let i = 0; i < 100; i++) deadlineSignal(clock, caller.signal, clock.monotonic() + 100).cancel();
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
    expect(clock.pendingTimers).toBe(0);
  });

  test("without a deadline it is the caller's signal itself", () => {
    const caller = new AbortController();
    expect(deadlineSignal(new FakeClock(), caller.signal, Number.POSITIVE_INFINITY).signal).toBe(caller.signal);
  });
});
