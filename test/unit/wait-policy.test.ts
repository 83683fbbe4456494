/** The waiting policy, rule by rule (`wait-policy.ts`, with the judgements it shares in `wait-state.ts`), on fixed clocks and draws. */
import { describe, expect, test } from 'vitest';
import {
  doneMark,
  firstStep,
  goneAfter,
  headDelay,
  lookInterval,
  nextInLine,
  nextStep,
  ownInterval,
  rightOfWayUntil,
} from '../../src/acquire/wait-policy.js';
import { coverBound, holdAge, longHolds, TUNING, type WaitState } from '../../src/acquire/wait-state.js';
import { pending, place, type QueueView } from '../../src/item/queue-view.js';

const NOW = 1_700_000_000_000;
const settings = { maxPollMs: 2_000, skewMs: 1_000 };
const low = () => 0;
const high = () => 0.999_999;
const half = () => 0.5;

function view(v: Partial<QueueView>): QueueView {
  return {
    expiresMs: undefined,
    releaseCode: 'holder',
    nextTicket: undefined,
    serving: undefined,
    headOf: undefined,
    headUntil: undefined,
    done: [],
    acquiredMs: undefined,
    avgHoldMs: undefined,
    lastHoldMs: undefined,
    ...v,
  };
}

function state(s: Partial<WaitState>): WaitState {
  return {
    blocking: true,
    startedAt: NOW - 1_000,
    deadline: Number.POSITIVE_INFINITY,
    ticket: undefined,
    view: undefined,
    viewFresh: true,
    viewAt: NOW,
    itemMissing: false,
    refusals: 1,
    returnsItem: true,
    rttMs: 20,
    longest: undefined,
    firstSeen: undefined,
    ...s,
  };
}

/** Held for 10 s so far, 20 s left; tickets 11-13 out, 10 served; 7 s holds on record. */
const held = view({
  expiresMs: NOW + 20_000,
  acquiredMs: NOW - 10_000,
  nextTicket: 13,
  serving: 10,
  headOf: 10,
  headUntil: NOW - 10_000,
  avgHoldMs: 7_000,
  lastHoldMs: 7_000,
});
const released = { ...held, expiresMs: 0 };
/** Ticket 11 holds the right of way for another second. */
const claimed = { ...held, headOf: 11, headUntil: NOW + 1_000 };

describe('rule 1: a free lock goes to the head, or to anyone while no head holds the right of way', () => {
  test('a waiter without a ticket tries a free lock at once, unless a live head claims it', () => {
    expect(nextStep(state({ view: released }), NOW, settings, half)).toEqual({ action: 'try', delayMs: 0 });
    const s = nextStep(state({ view: { ...claimed, expiresMs: 0 } }), NOW, settings, half);
    expect(s.action).toBe('ticket');
  });

  test('the head takes a free lock at once; a waiter behind it takes one only while no head is live', () => {
    expect(nextStep(state({ ticket: 11, view: released }), NOW, settings, half)).toEqual({
      action: 'take',
      delayMs: 0,
    });
    expect(nextStep(state({ ticket: 12, view: released }), NOW, settings, half)).toEqual({ action: 'try', delayMs: 0 });
    const behind = nextStep(state({ ticket: 13, view: { ...claimed, expiresMs: 0 } }), NOW, settings, half);
    expect(behind.delayMs).toBeGreaterThan(0);
  });

  test('a right of way whose heartbeat ran out, or whose head was served, is nobody’s', () => {
    const lapsed = { ...claimed, expiresMs: 0, headUntil: NOW - 1 };
    expect(nextStep(state({ ticket: 13, view: lapsed }), NOW, settings, half).action).toBe('try');
    const served = { ...claimed, expiresMs: 0, serving: 11 };
    expect(nextStep(state({ ticket: 13, view: served }), NOW, settings, half).action).toBe('try');
  });

  test('an item known to be gone is tried at once', () => {
    expect(nextStep(state({ itemMissing: true, ticket: 12, view: held }), NOW, settings, half)).toEqual({
      action: 'try',
      delayMs: 0,
    });
  });
});

describe('rule 2: short holds are polled for, long ones queued for', () => {
  const young = view({ expiresMs: NOW + 5_000, acquiredMs: NOW - 50, lastHoldMs: 20, avgHoldMs: 3_000 });

  test('a hold in progress for 300 ms, or typical holds of 300 ms, make a blocking waiter queue', () => {
    expect(longHolds(state({}), view({ expiresMs: NOW + 1, acquiredMs: NOW - 300 }), NOW)).toBe(true);
    expect(longHolds(state({}), view({ expiresMs: NOW + 1, acquiredMs: NOW - 299 }), NOW)).toBe(false);
    expect(longHolds(state({}), view({ expiresMs: 0, lastHoldMs: 300 }), NOW)).toBe(true);
    expect(nextStep(state({ view: held }), NOW, settings, half)).toEqual({ action: 'ticket', delayMs: 0 });
  });

  test('typical is the shorter of the average and the latest hold: one short hold after long ones ends queueing', () => {
    expect(longHolds(state({}), young, NOW)).toBe(false);
    const s = nextStep(state({ view: young, refusals: 3 }), NOW, settings, half);
    expect(s.action).toBe('try');
    // The backoff: uniform under min(200, 50 * 2^2) ms.
    expect(s.delayMs).toBe(100);
  });

  test('a queued waiter stays queued when the holds turn short: it polls at the pace of one that never queued', () => {
    const v = { ...young, nextTicket: 13, serving: 10, headOf: 11, headUntil: NOW + 1_000 };
    // Two behind the head, short holds: its own pace (the backoff's cap, 200 ms, drawn at
    // random) unless the crowd's budget (2 x 25 ms) is slower, less up to a tenth at random.
    const behind = nextStep(state({ ticket: 13, view: v, returnsItem: false }), NOW, settings, half);
    expect(behind).toEqual({ action: 'look', delayMs: 95 });
    // Where refusals return the item, its looks are tries: they take a lock no head claims.
    expect(nextStep(state({ ticket: 13, view: v }), NOW, settings, half)).toEqual({ action: 'try', delayMs: 95 });
    // Right behind the head, it is next: a heartbeat once per typical hold (20 ms), outside the budget.
    expect(nextStep(state({ ticket: 12, view: v }), NOW, settings, half)).toEqual({ action: 'beat', delayMs: 20 });
    // Never more often than one round trip, never less often than a poll's cap.
    expect(nextInLine({ rttMs: 4 }, 1, half)).toBe(4);
    expect(nextInLine({ rttMs: 4 }, 250, low)).toBe(200);
    expect(nextInLine({ rttMs: 4 }, undefined, low)).toBe(200);
  });

  test('behind short holds a crowd still shares the budget: its pace never raises the write rate', () => {
    const crowd = { ...young, nextTicket: 210, serving: 10, headOf: 11, headUntil: NOW + 1_000 };
    // 199 behind the head: each every 199 x 25 ms on average (0.5-1.5x), 40 looks a second in all.
    expect(nextStep(state({ ticket: 210, view: crowd }), NOW, settings, half).delayMs).toBeCloseTo(4_975, 6);
    // The one right behind the head alone looks once per typical hold.
    expect(nextStep(state({ ticket: 12, view: crowd }), NOW, settings, half).delayMs).toBe(20);
  });

  test('a single try, or a timeout shorter than one poll of the head, never takes a ticket', () => {
    expect(nextStep(state({ view: held, blocking: false }), NOW, settings, half).action).toBe('try');
    expect(nextStep(state({ view: held, deadline: NOW + 1_999 }), NOW, settings, half).action).toBe('try');
    expect(nextStep(state({ view: held, deadline: NOW + 2_000 }), NOW, settings, half).action).toBe('ticket');
  });

  test('where refusals say nothing (dynalite), a poller looks after 300 ms, then once per maxPollInterval', () => {
    const blind = { returnsItem: false, viewFresh: false };
    expect(nextStep(state({ ...blind, startedAt: NOW - 299 }), NOW, settings, half).action).toBe('try');
    expect(nextStep(state({ ...blind, startedAt: NOW - 300 }), NOW, settings, half).action).toBe('look');
    const looked = { ...blind, startedAt: NOW - 5_000, view: view({ expiresMs: NOW + 1, lastHoldMs: 5 }) };
    expect(nextStep(state({ ...looked, viewAt: NOW - 1_999 }), NOW, settings, half).action).toBe('try');
    expect(nextStep(state({ ...looked, viewAt: NOW - 2_000 }), NOW, settings, half).action).toBe('look');
  });

  test('a poller never sleeps past the lease end it saw', () => {
    const ending = view({ expiresMs: NOW - 995, acquiredMs: NOW - 100, lastHoldMs: 5 });
    expect(nextStep(state({ view: ending, refusals: 9 }), NOW, settings, high).delayMs).toBe(5);
  });
});

describe('rule 3: the head claims the right of way and looks at the predicted release, never more than the cap apart', () => {
  test('a waiter that finds itself the head of a held lock claims the right of way at its first look', () => {
    const s = nextStep(state({ ticket: 11, view: held }), NOW, settings, half);
    expect(s.action).toBe('beat');
    expect(s.delayMs).toBeGreaterThan(0);
    expect(s.delayMs).toBeLessThanOrEqual(settings.maxPollMs * TUNING.headCap.high);
  });

  test('right behind the head, where refusals return the item, its looks are heartbeats (refused until it is the head)', () => {
    expect(nextStep(state({ ticket: 12, view: claimed }), NOW, settings, half).action).toBe('beat');
    expect(nextStep(state({ ticket: 12, view: claimed, returnsItem: false }), NOW, settings, half).action).toBe('look');
    expect(nextStep(state({ ticket: 13, view: claimed }), NOW, settings, half).action).toBe('try');
    expect(nextStep(state({ ticket: 13, view: claimed, returnsItem: false }), NOW, settings, half).action).toBe('look');
  });

  test('it looks just after the predicted release, in equal steps of at most the cap on the way', () => {
    // Released predicted at acquired + 7 s = 3 s from now (+ half a round trip): two steps of 1.505 s.
    const ahead = { ...claimed, acquiredMs: NOW - 4_000 };
    const d = headDelay(state({ ticket: 11, view: ahead }), ahead, NOW, settings, low);
    expect(d).toBeCloseTo((3_000 + 10) / 2, 6);
    const near = { ...claimed, acquiredMs: NOW - 6_500 };
    expect(headDelay(state({}), near, NOW, settings, low)).toBeCloseTo(510, 6);
  });

  test('the cap is 87.5-97.5% of maxPollInterval, whatever the prediction', () => {
    const far = { ...claimed, avgHoldMs: 600_000, lastHoldMs: 600_000, expiresMs: NOW + 900_000 };
    for (const r of [low, half, high]) {
      const d = headDelay(state({}), far, NOW, settings, r);
      expect(d).toBeLessThanOrEqual(settings.maxPollMs * TUNING.headCap.high);
      expect(d).toBeGreaterThanOrEqual((settings.maxPollMs * TUNING.headCap.low) / 2);
    }
  });

  test('once overdue, an eighth of the overdue time from one round trip up to the cap', () => {
    const overdue = { ...claimed, acquiredMs: NOW - 7_000 - 8_000 };
    expect(headDelay(state({ rttMs: 20 }), overdue, NOW, settings, low)).toBeCloseTo(1_000, 0);
    expect(headDelay(state({ rttMs: 20 }), overdue, NOW, settings, high)).toBeCloseTo(900, 0);
    const just = { ...claimed, acquiredMs: NOW - 7_000 - 10 };
    expect(headDelay(state({ rttMs: 20 }), just, NOW, settings, high)).toBeCloseTo(20, 0);
  });

  test('with nothing to predict by (a Python holder), half the hold so far, measured from when it was first seen', () => {
    const python = view({ expiresMs: NOW + 30_000, releaseCode: 'py', nextTicket: 11, serving: 10 });
    const s = state({ firstSeen: { code: 'py', at: NOW - 1_000 } });
    expect(holdAge(s, python, NOW)).toBe(1_000);
    expect(headDelay(s, python, NOW, settings, low)).toBeCloseTo(500, 0);
    // Never a busy poll: a holder just seen is looked at after one round trip at least.
    expect(headDelay(state({}), python, NOW, settings, high)).toBeGreaterThanOrEqual(20);
  });

  test('never past the holder’s lease end (plus the skew allowance)', () => {
    const ending = { ...claimed, acquiredMs: NOW, expiresMs: NOW + 200 };
    expect(headDelay(state({}), ending, NOW, settings, half)).toBe(1_200);
  });

  test('the heartbeat’s right of way outlasts the longest interval by the slack', () => {
    expect(rightOfWayUntil(NOW, settings)).toBe(NOW + 2_000 + TUNING.headSlackMs);
  });
});

describe('rule 4: the others look at least every B, and all of them together a bounded number of times', () => {
  test('B is maxPollInterval, or a quarter of the longest hold seen in progress in the last minute', () => {
    expect(coverBound(state({}), NOW, settings)).toBe(2_000);
    expect(coverBound(state({ longest: { holdMs: 7_000, at: NOW } }), NOW, settings)).toBe(2_000);
    expect(coverBound(state({ longest: { holdMs: 40_000, at: NOW - 60_000 } }), NOW, settings)).toBe(10_000);
    expect(coverBound(state({ longest: { holdMs: 40_000, at: NOW - 60_001 } }), NOW, settings)).toBe(2_000);
  });

  test('a few waiters behind long holds look at 90-100% of B, each', () => {
    const own = ownInterval(true, 2, 2_000, 7_000, settings, low);
    expect(own).toBe(2_000);
    expect(lookInterval(2, own, settings, low)).toBe(2_000);
    expect(lookInterval(2, own, settings, high)).toBeCloseTo(1_800, 3);
    expect(ownInterval(true, 2, 2_000, undefined, settings, low)).toBe(2_000);
  });

  test('behind long holds of unequal length they look together about once per typical hold', () => {
    // 15 behind: 100 ms typical holds (a long one in progress), each every 1.5 s; 5 ms, the 25 ms floor.
    expect(ownInterval(true, 15, 2_000, 100, settings, low)).toBe(1_500);
    expect(ownInterval(true, 15, 2_000, 5, settings, low)).toBe(375);
  });

  test('behind short holds each polls at the contention backoff cap, at random', () => {
    expect(ownInterval(false, 15, 2_000, 5, settings, half)).toBe(100);
    expect(ownInterval(false, 15, 2_000, 5, settings, high)).toBeCloseTo(200, 3);
  });

  test('many share at most 80 looks per maxPollInterval, at random, however many they are', () => {
    // 200 behind the head: each every 5 s on average (0.5-1.5x), 40 looks a second in all.
    expect(lookInterval(200, 2_000, settings, half)).toBe(5_000);
    expect(lookInterval(200, 100, settings, half)).toBe(5_000);
    expect(lookInterval(400, 100, settings, half)).toBe(10_000);
  });

  test('a waiter behind a live head looks again after its interval, never past the lease end', () => {
    const s = nextStep(state({ ticket: 13, view: claimed, returnsItem: false }), NOW, settings, low);
    expect(s).toEqual({ action: 'look', delayMs: 2_000 });
    const ending = nextStep(
      state({ ticket: 13, view: { ...claimed, expiresMs: NOW - 500 }, returnsItem: false }),
      NOW,
      settings,
      low,
    );
    expect(ending.delayMs).toBe(500);
  });
});

describe('rule 5: the waiter right behind a head that is gone skips it', () => {
  const gone = goneAfter(2, 2_000, settings);

  test('gone means no heartbeat, and no serving, for two of the longest look intervals plus the skew', () => {
    expect(gone).toBe(2 * 2_000 * 1.5 + 1_000);
    expect(goneAfter(200, 2_000, settings)).toBe(2 * 5_000 * 1.5 + 1_000);
    const silent = { ...held, headUntil: NOW - gone };
    expect(nextStep(state({ ticket: 12, view: silent }), NOW, settings, half)).toEqual({ action: 'skip', delayMs: 0 });
    const lately = { ...held, headUntil: NOW - gone + 1 };
    expect(nextStep(state({ ticket: 12, view: lately }), NOW, settings, half).action).toBe('beat');
  });

  test('only the waiter right behind it skips, and never a live head', () => {
    const silent = { ...held, headUntil: NOW - gone };
    expect(nextStep(state({ ticket: 13, view: silent, returnsItem: false }), NOW, settings, half).action).toBe('look');
    expect(nextStep(state({ ticket: 12, view: { ...claimed } }), NOW, settings, half).action).toBe('beat');
  });
});

describe('done tickets: those that took the lock out of turn wait no more', () => {
  // Tickets 11 and 12 took the lock out of turn; 13 waits behind them.
  const doneAhead = { ...held, nextTicket: 14, done: [11, 12] };

  test('they are not counted: the place and the queue are those of the waiters still waiting', () => {
    expect(place(13, doneAhead)).toEqual({ kind: 'behind', ahead: 0, raw: 2, over: [11, 12] });
    expect(place(14, doneAhead)).toEqual({ kind: 'behind', ahead: 1, raw: 3, over: [] });
    expect(pending(doneAhead)).toBe(2);
    // Done tickets at or below serving (already passed) change nothing.
    expect(pending({ ...doneAhead, done: [9, 10] })).toBe(4);
  });

  test('the first waiter behind them passes over them at once, whatever the holds', () => {
    expect(nextStep(state({ ticket: 13, view: doneAhead }), NOW, settings, half)).toEqual({
      action: 'pass',
      delayMs: 0,
    });
    // Free with no live head: it tries at once instead (one write, and its ticket is done).
    expect(nextStep(state({ ticket: 13, view: { ...doneAhead, expiresMs: 0 } }), NOW, settings, half).action).toBe(
      'try',
    );
    // With one still waiting ahead, it waits as the next in line.
    expect(nextStep(state({ ticket: 14, view: doneAhead }), NOW, settings, half).action).not.toBe('pass');
  });

  test('a try marks the waiter’s own ticket done, unless the item already lists the most it may', () => {
    expect(doneMark(state({ ticket: 13, view: doneAhead }))).toBe(13);
    expect(doneMark(state({ ticket: undefined, view: doneAhead }))).toBeUndefined();
    const full = { ...doneAhead, done: Array.from({ length: TUNING.doneLimit }, (_, i) => 1_000 + i) };
    expect(doneMark(state({ ticket: 13, view: full }))).toBeUndefined();
    expect(doneMark(state({ ticket: 13, view: { ...full, done: full.done.slice(1) } }))).toBe(13);
    // Served or skipped already: nothing to mark.
    expect(doneMark(state({ ticket: 10, view: doneAhead }))).toBeUndefined();
    expect(doneMark(state({ ticket: 13, view: undefined }))).toBe(13);
  });

  test('the crowd’s shared looks are spaced for the waiters still waiting', () => {
    const crowd = { ...held, nextTicket: 210, serving: 10, done: Array.from({ length: 190 }, (_, i) => 11 + i) };
    const behindAll = place(209, crowd);
    expect(behindAll).toMatchObject({ kind: 'behind', ahead: 8 });
    expect(pending(crowd)).toBe(10);
  });
});

describe('void tickets and the first step', () => {
  test('a ticket at or below serving, above next_ticket, or on a wiped queue is void: the waiter starts over', () => {
    for (const v of [
      { ...held, serving: 11 },
      { ...held, nextTicket: 10 },
      { ...held, serving: undefined, nextTicket: undefined },
    ]) {
      expect(nextStep(state({ ticket: 11, view: v }), NOW, settings, half)).toMatchObject({
        action: 'ticket',
        dropsTicket: true,
      });
    }
  });

  test('after its own release a lock queues at once where a live head and long holds make a try useless', () => {
    expect(firstStep(state({ view: claimed, viewFresh: false }), NOW, settings, half).action).toBe('ticket');
    expect(firstStep(state({ view: held, viewFresh: false }), NOW, settings, half).action).toBe('try');
    expect(firstStep(state({ view: claimed, blocking: false }), NOW, settings, half).action).toBe('try');
    expect(firstStep(state({}), NOW, settings, half)).toEqual({ action: 'try', delayMs: 0 });
  });

  test('a releaser gets no head start on queued waiters: its first try waits one poll', () => {
    // Tickets 11-13 are out: the try waits a draw of the backoff's cap, like a queued waiter's poll.
    const after = view({ ...released, lastHoldMs: 20, avgHoldMs: 20 });
    expect(firstStep(state({ view: after, viewFresh: false }), NOW, settings, half)).toEqual({
      action: 'try',
      delayMs: 100,
    });
    // With no queue, or for a single try, it tries at once.
    const alone = view({ ...after, nextTicket: 10, serving: 10 });
    expect(firstStep(state({ view: alone, viewFresh: false }), NOW, settings, half).delayMs).toBe(0);
    expect(firstStep(state({ view: after, blocking: false }), NOW, settings, half).delayMs).toBe(0);
  });

  test('a kept ticket that is now the head takes its turn as the head, not by a plain try', () => {
    // Ticket 11 is the head (10 served) and our release left the lock free: a take, at once.
    const free = { ...released, nextTicket: 12 };
    expect(firstStep(state({ ticket: 11, view: free, viewFresh: false }), NOW, settings, half)).toEqual({
      action: 'take',
      delayMs: 0,
    });
    // Held by someone else: the head's heartbeat; a single try still only tries.
    expect(firstStep(state({ ticket: 11, view: held, viewFresh: false }), NOW, settings, half).action).toBe('beat');
    expect(firstStep(state({ ticket: 11, view: held, blocking: false }), NOW, settings, half).action).toBe('try');
    expect(firstStep(state({ ticket: 11, view: free, blocking: false }), NOW, settings, half).action).toBe('take');
  });

  test('a lock that kept its ticket waits with it: no second ticket, no head start', () => {
    const kept = firstStep(state({ ticket: 12, view: claimed, viewFresh: false }), NOW, settings, half);
    expect(kept).toEqual({ action: 'try', delayMs: 100 });
  });
});
