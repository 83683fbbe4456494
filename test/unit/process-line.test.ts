import { describe, expect, test } from 'vitest';
import { type Turn, waitTurn } from '../../src/acquire/process-line.js';
import { AbortedError } from '../../src/errors.js';
import { FakeClock } from '../support/fake-clock.js';

describe('the process-local line of waiters', () => {
  test('first come, first served: each leave hands the turn to the next waiter, once', async () => {
    const clock = new FakeClock();
    const client = {};
    const order: number[] = [];
    const first = await waitTurn(client, 'k', clock, undefined, Infinity);
    const waiting = [1, 2, 3].map((n) =>
      waitTurn(client, 'k', clock, undefined, Infinity).then((turn) => {
        order.push(n);
        return turn as Turn;
      }),
    );
    await clock.advance(0);
    expect(order).toEqual([]);
    first?.leave();
    first?.leave(); // a second leave hands nothing on
    const second = await waiting[0];
    await clock.advance(0);
    expect(order).toEqual([1]);
    second?.leave();
    (await waiting[1]!).leave();
    (await waiting[2]!).leave();
    expect(order).toEqual([1, 2, 3]);
    // The line is empty again: the next comer goes straight to the head.
    const again = await waitTurn(client, 'k', clock, undefined, Infinity);
    expect(again).toBeDefined();
    again?.leave();
  });

  test('a line of capacity N (a lock of concurrency N) lets N turns out at once, and each leave admits one more', async () => {
    const clock = new FakeClock();
    const client = {};
    const admitted: number[] = [];
    const turns = [0, 1, 2, 3].map((n) =>
      waitTurn(client, 'k', clock, undefined, Infinity, 2).then((turn) => {
        admitted.push(n);
        return turn as Turn;
      }),
    );
    await clock.advance(0);
    expect(admitted).toEqual([0, 1]);
    (await turns[1]!).leave();
    await clock.advance(0);
    expect(admitted).toEqual([0, 1, 2]);
    (await turns[0]!).leave();
    (await turns[0]!).leave(); // once only
    await clock.advance(0);
    expect(admitted).toEqual([0, 1, 2, 3]);
    (await turns[2]!).leave();
    (await turns[3]!).leave();
    // Empty again: two go straight in.
    const again = [
      await waitTurn(client, 'k', clock, undefined, Infinity, 2),
      await waitTurn(client, 'k', clock, undefined, Infinity, 2),
    ];
    for (const t of again) t?.leave();
  });

  test('lines are per client and per key', async () => {
    const clock = new FakeClock();
    const [a, b] = [{}, {}];
    const held = await waitTurn(a, 'k', clock, undefined, Infinity);
    // Another client (another endpoint, say), or another resource: not in this line.
    expect(await waitTurn(b, 'k', clock, undefined, Infinity)).toBeDefined();
    expect(await waitTurn(a, 'other', clock, undefined, Infinity)).toBeDefined();
    held?.leave();
  });

  test('a waiter whose deadline passes leaves the line with undefined; the others keep their places', async () => {
    const clock = new FakeClock();
    const client = {};
    const t0 = clock.monotonic();
    const head = await waitTurn(client, 'k', clock, undefined, Infinity);
    let timedOut: Turn | undefined | 'pending' = 'pending';
    void waitTurn(client, 'k', clock, undefined, t0 + 1_000).then((t) => {
      timedOut = t;
    });
    const patient = waitTurn(client, 'k', clock, undefined, Infinity);
    await clock.advance(999);
    expect(timedOut).toBe('pending');
    await clock.advance(1);
    expect(timedOut).toBeUndefined();
    head?.leave();
    const next = await patient;
    expect(next).toBeDefined();
    next?.leave();
    expect(clock.pendingTimers).toBe(0);
  });

  test('an abort rejects the waiter with AbortedError and takes it out of the line', async () => {
    const clock = new FakeClock();
    const client = {};
    const head = await waitTurn(client, 'k', clock, undefined, Infinity);
    const controller = new AbortController();
    const aborted = waitTurn(client, 'k', clock, controller.signal, Infinity);
    const patient = waitTurn(client, 'k', clock, undefined, Infinity);
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toBeInstanceOf(AbortedError);
    head?.leave();
    // The turn went to the waiter behind the aborted one.
    const next = await patient;
    expect(next).toBeDefined();
    next?.leave();
    const already = new AbortController();
    already.abort();
    const blocker = await waitTurn(client, 'k', clock, undefined, Infinity);
    await expect(waitTurn(client, 'k', clock, already.signal, Infinity)).rejects.toBeInstanceOf(AbortedError);
    blocker?.leave();
  });
});
