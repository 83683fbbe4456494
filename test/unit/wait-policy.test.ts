import { describe, expect, test } from 'vitest';
import {
  BLIND_REFRESH_EVERY,
  behindCapMs,
  firstStep,
  freeSince,
  graceMs,
  JOIN_AFTER_MS,
  nextStep,
  parseQueueView,
  place,
  predictedRelease,
  type QueueView,
  queuePending,
  type WaitState,
} from '../../src/acquire/wait-policy.js';

const NOW = 1_700_000_000_000;
const settings = { maxPollMs: 2_000, skewMs: 1_000 };
const half = () => 0.5;

function view(v: Partial<QueueView>): QueueView {
  return {
    expiresMs: undefined,
    nextTicket: undefined,
    serving: undefined,
    acquiredMs: undefined,
    freedMs: undefined,
    avgHoldMs: undefined,
    avgWaitMs: undefined,
    ...v,
  };
}

function state(s: Partial<WaitState>): WaitState {
  return {
    startedAt: NOW,
    ticket: undefined,
    view: undefined,
    viewFresh: false,
    itemMissing: false,
    refusals: 1,
    blind: 0,
    returnsItem: false,
    rttMs: 20,
    knownAvgHoldMs: undefined,
    avgPollWaitMs: undefined,
    ...s,
  };
}

/** Held since 10 s ago until 5 s from now; 3 tickets out, serving 1 (ticket 2 is the head). */
const held = view({ expiresMs: NOW + 5_000, acquiredMs: NOW - 10_000, nextTicket: 3, serving: 1 });

describe('reading the item', () => {
  test('parses the queue attributes, and Python’s whole seconds when expires_ms is missing', () => {
    expect(
      parseQueueView({
        expires: { N: '1700000005' },
        next_ticket: { N: '7' },
        serving: { N: '4' },
        acquired_ms: { N: '1699999999000' },
        freed_ms: { N: '0' },
        avg_hold_ms: { N: '7000' },
      }),
    ).toEqual({
      expiresMs: 1_700_000_005_000,
      nextTicket: 7,
      serving: 4,
      acquiredMs: 1_699_999_999_000,
      freedMs: 0,
      avgHoldMs: 7_000,
    });
    expect(parseQueueView(undefined)).toBeUndefined();
  });

  test('a queue is pending only while tickets exceed serving, with both counters present', () => {
    expect(queuePending(view({ nextTicket: 3, serving: 1 }))).toBe(true);
    expect(queuePending(view({ nextTicket: 3, serving: 3 }))).toBe(false);
    expect(queuePending(view({ nextTicket: 3 }))).toBe(false);
    expect(queuePending(undefined)).toBe(false);
  });

  test('free since: the release time of a released marker, the lease end plus skew of an expired lease, never for a live one', () => {
    expect(freeSince(view({ expiresMs: 0, freedMs: NOW - 7 }), NOW, 1_000)).toBe(NOW - 7);
    expect(freeSince(view({ expiresMs: NOW - 3_000 }), NOW, 1_000)).toBe(NOW - 2_000);
    expect(freeSince(view({ expiresMs: NOW - 500 }), NOW, 1_000)).toBeUndefined();
    expect(freeSince(undefined, NOW, 1_000)).toBe(Number.NEGATIVE_INFINITY);
  });

  test('the predicted release is the holder’s start plus the average hold, never past its lease end', () => {
    expect(predictedRelease(view({ expiresMs: NOW + 9_000, acquiredMs: NOW - 1_000, avgHoldMs: 7_000 }), 1_000)).toBe(
      NOW + 6_000,
    );
    expect(predictedRelease(view({ expiresMs: NOW + 1_000, acquiredMs: NOW - 1_000, avgHoldMs: 7_000 }), 1_000)).toBe(
      NOW + 2_000,
    );
    expect(predictedRelease(view({ expiresMs: NOW + 1_000, acquiredMs: NOW }), 1_000)).toBeUndefined();
  });
});

describe('place in the queue', () => {
  test('head, behind, or void when skipped, stale from before a reset, or the counters were wiped', () => {
    expect(place(2, held)).toEqual({ kind: 'head' });
    expect(place(3, held)).toEqual({ kind: 'behind', ahead: 1 });
    expect(place(1, held)).toEqual({ kind: 'void' });
    expect(place(4, held)).toEqual({ kind: 'void' });
    expect(place(2, { ...held, serving: undefined })).toEqual({ kind: 'void' });
  });
});

describe('settings', () => {
  test('grace is two head intervals plus the skew allowance; waiters behind sleep at most 30 intervals', () => {
    expect(graceMs(settings)).toBe(5_000);
    expect(behindCapMs(settings)).toBe(60_000);
  });
});

describe('without a ticket', () => {
  test('the first write is a plain try, unless this lock last saw a queue pending', () => {
    expect(firstStep(undefined, undefined, settings, half)).toEqual({ action: 'try', delayMs: 0 });
    expect(firstStep(view({ nextTicket: 2, serving: 2 }), undefined, settings, half)).toEqual({
      action: 'try',
      delayMs: 0,
    });
    // An eighth of maxPollInterval later, when a live head has taken the lock.
    expect(firstStep(view({ nextTicket: 3, serving: 2 }), undefined, settings, half)).toEqual({
      action: 'ticket',
      delayMs: 250,
    });
  });

  test('a short wait with nothing known polls with the contention backoff (full jitter, 50 ms then doubling)', () => {
    expect(nextStep(state({ refusals: 1 }), NOW + 10, settings, half)).toEqual({ action: 'try', delayMs: 25 });
    expect(nextStep(state({ refusals: 3 }), NOW + 10, settings, half)).toEqual({ action: 'try', delayMs: 100 });
  });

  test('once the item’s polled waits average 300 ms or more, a refused waiter sleeps a third of that, and so does the first try after its own release', () => {
    const held = view({ expiresMs: NOW + 60_000, acquiredMs: NOW - 2, avgHoldMs: 5 });
    expect(nextStep(state({ view: held, viewFresh: true, avgPollWaitMs: 600 }), NOW, settings, half).delayMs).toBe(200);
    // The first write: after this lock's own release, a crowded lock waits one such interval.
    const released = view({ expiresMs: 0, freedMs: NOW });
    expect(firstStep(released, 600, settings, half)).toEqual({ action: 'try', delayMs: 200 });
    expect(firstStep(released, 150, settings, half)).toEqual({ action: 'try', delayMs: 0 });
    expect(firstStep(undefined, 600, settings, half)).toEqual({ action: 'try', delayMs: 0 });
  });

  test('never sleeps past the lease end the server returned', () => {
    const v = view({ expiresMs: NOW - 990 });
    expect(nextStep(state({ refusals: 4, view: v, viewFresh: true }), NOW, settings, half).delayMs).toBe(10);
  });

  test('joins the queue when the hold is long (by the average, or by the hold so far) or finds a queue pending', () => {
    // `held`: a holder of 10 s, a queue pending.
    expect(nextStep(state({ view: held, viewFresh: true }), NOW, settings, half).action).toBe('ticket');
    const long = view({ expiresMs: NOW + 5_000, acquiredMs: NOW - 100, avgHoldMs: 1_500 });
    expect(nextStep(state({ view: long, viewFresh: true }), NOW, settings, half).action).toBe('ticket');
    const pending = view({ expiresMs: NOW + 5_000, acquiredMs: NOW - 100, avgHoldMs: 300, nextTicket: 2, serving: 1 });
    expect(nextStep(state({ view: pending, viewFresh: true }), NOW, settings, half).action).toBe('ticket');
  });

  test('polls on through a long wait while the holds are not long, and only from a fresh view judges the holder', () => {
    const mid = view({ expiresMs: NOW + 5_000, acquiredMs: NOW - 100, avgHoldMs: 200 });
    const waited = { startedAt: NOW - 2 * JOIN_AFTER_MS };
    expect(nextStep(state({ ...waited, view: mid, viewFresh: true }), NOW, settings, half).action).toBe('try');
    // The same view, not returned by the latest write: its holder's age says nothing now.
    expect(nextStep(state({ ...waited, view: mid, viewFresh: false }), NOW + 5_000, settings, half).action).toBe('try');
  });

  test('a long wait knowing nothing of the holds (dynalite returns nothing on refusal) looks before it queues', () => {
    expect(nextStep(state({}), NOW + JOIN_AFTER_MS, settings, half)).toEqual({ action: 'refresh', delayMs: 0 });
  });

  test('short holds (by the item, or as this lock last saw them) are polled for, whatever the wait or the queue', () => {
    const short = view({ expiresMs: NOW + 5_000, acquiredMs: NOW - 10, avgHoldMs: 5, nextTicket: 3, serving: 1 });
    const waited = { startedAt: NOW - 5_000 };
    expect(nextStep(state({ ...waited, view: short, viewFresh: true }), NOW, settings, half).action).toBe('try');
    // ...unless this holder has held long already.
    expect(nextStep(state({ ...waited, view: short, viewFresh: true }), NOW + 1_000, settings, half).action).toBe(
      'ticket',
    );
    expect(nextStep(state({ knownAvgHoldMs: 5 }), NOW + 5_000, settings, half).action).toBe('try');
    expect(firstStep(short, undefined, settings, half)).toEqual({ action: 'try', delayMs: 0 });
  });

  test('an item found missing is free: try at once', () => {
    expect(nextStep(state({ itemMissing: true, ticket: 4 }), NOW, settings, half)).toEqual({
      action: 'try',
      delayMs: 0,
    });
  });
});

describe('the head of the queue', () => {
  const predicted = view({ ...held, expiresMs: NOW + 60_000, acquiredMs: NOW - 2_000, avgHoldMs: 7_000 });

  test('takes a free lock at once', () => {
    const free = view({ ...held, expiresMs: 0, freedMs: NOW - 5 });
    expect(nextStep(state({ ticket: 2, view: free, viewFresh: true }), NOW, settings, half)).toEqual({
      action: 'head',
      delayMs: 0,
    });
  });

  test('sleeps until half a round trip after the predicted release', () => {
    expect(nextStep(state({ ticket: 2, view: predicted, viewFresh: true }), NOW, settings, half)).toEqual({
      action: 'head',
      delayMs: 5_010,
    });
  });

  test('then polls at intervals growing with how overdue the release is, up to maxPollInterval', () => {
    const delays = [5_020, 5_100, 6_000, 20_000].map(
      (t) => nextStep(state({ ticket: 2, view: predicted, viewFresh: true }), NOW + t, settings, () => 0).delayMs,
    );
    // Overdue by 20 ms, 100 ms, 1 s, 15 s: a quarter of it (jitter 0.9-1x), at least 20 ms; at the
    // cap, 87.5-97.5% of maxPollInterval.
    expect(delays.map(Math.round)).toEqual([20, 25, 250, 1_950]);
    const far = state({ ticket: 2, view: predicted, viewFresh: true });
    expect(nextStep(far, NOW + 20_000, settings, () => 0.999_999).delayMs).toBeCloseTo(1_750, 0);
  });

  test('at the cap its intervals average 92.5% of maxPollInterval, so the median hand-off after an unpredicted release is under half of it', () => {
    const v = view({ ...held, expiresMs: NOW + 3_600_000, acquiredMs: NOW - 600_000 });
    let sum = 0;
    const n = 1_000;
    for (let i = 0; i < n; i++) {
      sum += nextStep(state({ ticket: 2, view: v, viewFresh: true }), NOW, settings, () => (i + 0.5) / n).delayMs;
    }
    expect(sum / n).toBeCloseTo(1_850, 0);
  });

  test('with no average recorded, half the hold so far stands in', () => {
    const v = view({ ...held, expiresMs: NOW + 60_000, acquiredMs: NOW - 2_000 });
    expect(nextStep(state({ ticket: 2, view: v, viewFresh: true }), NOW, settings, () => 0).delayMs).toBe(1_000);
  });

  test('never sleeps past the lease end', () => {
    const v = view({ ...held, expiresMs: NOW - 900, acquiredMs: NOW - 60_000 });
    expect(nextStep(state({ ticket: 2, view: v, viewFresh: true }), NOW, settings, half).delayMs).toBe(100);
  });

  test(`refreshes its view after ${BLIND_REFRESH_EVERY} refusals that returned no item`, () => {
    const s = state({ ticket: 2, view: predicted, viewFresh: false });
    expect(nextStep({ ...s, blind: BLIND_REFRESH_EVERY - 1 }, NOW + 9_000, settings, half).action).toBe('head');
    expect(nextStep({ ...s, blind: BLIND_REFRESH_EVERY }, NOW + 9_000, settings, half).action).toBe('refresh');
  });
});

describe('waiters behind the head', () => {
  test('sleep until their predicted turn, then try as the head; after a refusal that returned nothing, look first', () => {
    const v = view({ ...held, acquiredMs: NOW - 2_000, avgHoldMs: 7_000 });
    // Ticket 3 is one behind the head: release in 5 s + one cycle (7 s + two round trips of 20 ms) + 10 ms;
    // that far off, it sleeps three quarters of the way and only looks (a try would say nothing on dynalite).
    expect(nextStep(state({ ticket: 3, view: v, viewFresh: true }), NOW, settings, () => 0)).toEqual({
      action: 'refresh',
      delayMs: 9_037.5,
    });
    expect(
      nextStep(state({ ticket: 3, view: v, viewFresh: true, returnsItem: true }), NOW, settings, () => 0).action,
    ).toBe('head');
    // Near: release in 0.5 s + one cycle of 1.04 s + 10 ms; it wakes at its turn and tries as the head.
    const near = view({ ...v, acquiredMs: NOW - 500, avgHoldMs: 1_000, expiresMs: NOW + 60_000 });
    expect(nextStep(state({ ticket: 3, view: near, viewFresh: true }), NOW, settings, () => 0)).toEqual({
      action: 'head',
      delayMs: 1_550,
    });
    expect(nextStep(state({ ticket: 3, view: v, viewFresh: true }), NOW + 3_000, settings, () => 0).delayMs).toBe(
      8_000,
    );
    expect(nextStep(state({ ticket: 3, view: v, blind: 1 }), NOW, settings, () => 0)).toEqual({
      action: 'refresh',
      delayMs: 20,
    });
    expect(nextStep(state({ ticket: 3, view: v, blind: 1, returnsItem: true }), NOW, settings, () => 0).action).toBe(
      'head',
    );
  });

  test('with short holds, the turn is a few cycles away, measured in round trips', () => {
    const v = view({ expiresMs: NOW + 10_000, acquiredMs: NOW - 2, avgHoldMs: 5, nextTicket: 9, serving: 4 });
    // Ticket 8 has three ahead of it: release in 3 ms, then 3 cycles of 5 + 2 x 4 ms, + 2 ms.
    expect(nextStep(state({ ticket: 8, view: v, viewFresh: true, rttMs: 4 }), NOW, settings, half).delayMs).toBe(44);
  });

  test('with no average recorded, the hold so far stands in for one (so the sleep grows with it), up to the cap', () => {
    // Held for 10 s, one waiter ahead: two holds of 10 s, three quarters of the way (jitter 0.9-1x).
    expect(nextStep(state({ ticket: 3, view: held, viewFresh: true }), NOW, settings, half).delayMs).toBe(14_250);
    const old = view({ ...held, acquiredMs: NOW - 600_000 });
    expect(nextStep(state({ ticket: 3, view: old, viewFresh: true }), NOW, settings, half).delayMs).toBe(60_000);
  });

  test('a skip refused without the item being returned looks again before skipping again', () => {
    const free = view({ ...held, expiresMs: 0, freedMs: NOW - 6_000 });
    expect(nextStep(state({ ticket: 3, view: free, viewFresh: false }), NOW, settings, half)).toEqual({
      action: 'refresh',
      delayMs: 20,
    });
  });

  test('skip waiters that left the lock free for the grace, and wake for that moment otherwise', () => {
    const free = view({ ...held, expiresMs: 0, freedMs: NOW - 1_000, avgHoldMs: 60_000 });
    // By then it may be the head: it tries as one where a refusal returns the item, else looks.
    expect(nextStep(state({ ticket: 3, view: free, viewFresh: true, returnsItem: true }), NOW, settings, half)).toEqual(
      { action: 'head', delayMs: 4_020 },
    );
    expect(nextStep(state({ ticket: 3, view: free, viewFresh: true }), NOW, settings, half)).toEqual({
      action: 'refresh',
      delayMs: 4_020,
    });
    expect(nextStep(state({ ticket: 3, view: free, viewFresh: true }), NOW + 4_000, settings, half)).toEqual({
      action: 'skip',
      delayMs: 0,
    });
  });

  test('a void ticket (skipped, or the queue was reset) queues again, or tries when no queue is left', () => {
    const reset = view({ expiresMs: NOW + 5_000, acquiredMs: NOW - 10_000 });
    expect(nextStep(state({ ticket: 3, view: reset, viewFresh: true }), NOW, settings, half).action).toBe('ticket');
    const drained = view({ expiresMs: 0, freedMs: NOW, nextTicket: 5, serving: 5 });
    expect(nextStep(state({ ticket: 3, view: drained, viewFresh: true }), NOW, settings, half).action).toBe('try');
  });
});

describe('cost bound at default settings', () => {
  test('over a 10-minute hold with no average, the head polls at most 35 times a minute and each waiter behind it about once', () => {
    const v = view({ expiresMs: NOW + 3_600_000, acquiredMs: NOW, nextTicket: 4, serving: 0 });
    // The head: 33.3 a minute at the cap, plus its first polls while the hold is young.
    for (const [ticket, most] of [
      [1, 35],
      [2, 1.5],
      [3, 1.5],
    ] as const) {
      let t = NOW;
      let polls = 0;
      while (t < NOW + 600_000) {
        t += nextStep(state({ ticket, view: v, viewFresh: true }), t, settings, Math.random).delayMs;
        polls++;
      }
      expect(polls / 10).toBeLessThanOrEqual(most);
    }
  });
});
