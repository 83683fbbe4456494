import { hasLiveHead, isFree, type Place, pending, place, type QueueView, typicalHold } from '../item/queue-view.js';
import { backoffDelay, CONTENTION_BACKOFF } from '../runtime/backoff.js';
import { coverBound, holdAge, longHolds, type Step, TUNING, type WaitSettings, type WaitState } from './wait-state.js';

/**
 * How a blocked acquire of a single-slot lock waits for a holder in another process: pure
 * decisions from what the lock item last said, each pinned by unit tests with an injected clock.
 * The rules and the contract they keep are in docs/design.md ("Waiting"); in short:
 *
 * 1. A free lock may be taken by the queue's head, or by anyone while no head holds the right of way.
 * 2. Short holds are polled for (the contention backoff); long ones are queued for (a ticket).
 * 3. The head claims the right of way with a heartbeat each time it looks, and looks at the
 *    predicted release and never more than `maxPollInterval` apart; seeing the lock free, it takes it.
 * 4. Every other queued waiter polls short holds at the pace of a waiter without a ticket (the one
 *    next in line once per typical hold), and looks at long ones at least every `B` (the contract's
 *    bound: `maxPollInterval`, or a quarter of the longest hold it saw in progress in the last
 *    minute), all of them together about once per typical hold; whatever their number, they share
 *    a bounded budget of looks. Each takes a free lock that no head claims, and keeps its ticket.
 * 5. The waiter right behind a head that is gone (no heartbeat for two of its look intervals) skips it.
 * 6. A head that gives up leaves the queue with one write.
 */

/**
 * A waiter's own interval behind the head, ms, before the crowd's budget ({@link lookInterval}).
 * While the holds are short it polls, queued or not (rule 2): the contention backoff's pace, so
 * that a queued waiter is no slower to take a lock no head claims than one that never queued
 * (else whoever polls wins every short hold, and the queue waits). While they are long it looks
 * at least every `B`, so that a lock freed while no head claims it (the head has just taken it,
 * or died) is found within `B` whatever the holds do, and all of them together aim at one look
 * per typical hold.
 */
export function ownInterval(
  long: boolean,
  behind: number,
  bound: number,
  typical: number | undefined,
  settings: WaitSettings,
  random: () => number,
): number {
  if (!long) return pollPace(random);
  const floor = settings.maxPollMs / TUNING.lookBudget;
  return Math.min(bound, Math.max(1, behind) * Math.max(floor, typical ?? Number.POSITIVE_INFINITY));
}

/** The interval of the waiter right behind the head while the holds are short, ms: the typical hold, from one round trip up to a poll's cap. */
export function nextInLine(s: Pick<WaitState, 'rttMs'>, typical: number | undefined, random: () => number): number {
  const rtt = s.rttMs ?? TUNING.defaultRttMs;
  return grown(typical ?? CONTENTION_BACKOFF.capMs, rtt, CONTENTION_BACKOFF.capMs, random);
}

/**
 * How long a waiter behind the head waits between looks, ms: its own interval, but all of those
 * behind the head together never look more than `LOOK_BUDGET` times per `maxPollInterval`: a
 * crowd shares that many looks at random (with more than 80 behind the head, each looks less
 * often than `B`, and the crowd's looks still fall about 25 ms apart), so that its number does not
 * raise the write rate.
 */
export function lookInterval(behind: number, own: number, settings: WaitSettings, random: () => number): number {
  const shared = (Math.max(1, behind) * settings.maxPollMs) / TUNING.lookBudget;
  if (shared > own) return shared * (0.5 + random());
  return own * (1 - 0.1 * random());
}

/** Uniform in the head cap's spread: never above the cap's top, so never above the bound. */
function spread(random: () => number): number {
  const { low, high } = TUNING.headCap;
  return high - (high - low) * random();
}

/** How long a head must show no sign of life before the waiter behind it skips it, ms. */
export function goneAfter(behind: number, bound: number, settings: WaitSettings): number {
  // A live waiter that became the head notices within one look interval (at most `bound`, or the
  // shared interval of a long queue); twice that, plus the clock allowance, is surely gone. (A
  // served or departed head's mark is an allowance back: twice the look on agreeing clocks.)
  const longestLook = Math.max(bound, (Math.max(1, behind) * settings.maxPollMs) / TUNING.lookBudget) * 1.5;
  return 2 * longestLook + settings.skewMs;
}

/** Where the head's heartbeat says its right of way ends, epoch ms: past its longest interval. */
export function rightOfWayUntil(now: number, settings: WaitSettings): number {
  return now + settings.maxPollMs + TUNING.headSlackMs;
}

/**
 * The head's next look, ms from `now`: at the predicted release (the holder's `acquired_ms` plus
 * the typical hold), in steps of at most the cap on the way; once overdue, every eighth of the
 * overdue time from one round trip up to the cap; with nothing to predict by, every half of the
 * hold so far. Never past the holder's lease end.
 */
export function headDelay(s: WaitState, v: QueueView, now: number, settings: WaitSettings, random: () => number) {
  const rtt = s.rttMs ?? TUNING.defaultRttMs;
  const cap = settings.maxPollMs * spread(random);
  const typical = typicalHold(v);
  const age = holdAge(s, v, now) ?? 0;
  let delay: number;
  if (typical !== undefined && v.acquiredMs !== undefined) {
    const toRelease = v.acquiredMs + typical - now;
    if (toRelease > 0) {
      const steps = Math.ceil((toRelease + rtt / 2) / cap);
      delay = (toRelease + rtt / 2) / steps;
    } else {
      delay = grown(-toRelease * TUNING.overdueFraction, rtt, cap, random);
    }
  } else {
    delay = grown(age * TUNING.unknownHoldFraction, rtt, cap, random);
  }
  return Math.max(1, withinLease(delay, v, now, settings));
}

/** `ms` less up to a tenth at random (heads of many locks drift apart), from one round trip up to the cap. */
function grown(ms: number, rtt: number, cap: number, random: () => number): number {
  return Math.min(cap, Math.max(rtt, ms * (1 - 0.1 * random())));
}

/** A lease that runs out frees the lock then, renewed or not: look again at its end. */
function withinLease(delay: number, v: QueueView, now: number, settings: WaitSettings): number {
  const end = v.expiresMs !== undefined && v.expiresMs > 0 ? v.expiresMs + settings.skewMs : undefined;
  return end !== undefined && end > now ? Math.min(delay, end - now) : delay;
}

/** The first write of an acquire, from what this lock's own release last saw (if lately). */
export function firstStep(s: WaitState, now: number, settings: WaitSettings, random: () => number): Step {
  const v = s.view;
  // A queued waiter has the right of way and the holds are long: a try would only be refused.
  const patient = s.blocking && s.deadline - now >= settings.maxPollMs;
  if (patient && s.ticket === undefined && v !== undefined && hasLiveHead(v, now) && longHolds(s, v, now)) {
    return { action: 'ticket', delayMs: 0 };
  }
  // A ticket kept from before that is now the head takes its turn as the head (a plain try would
  // leave it the head, unserved, and the queue stuck behind it until skipped).
  if (s.ticket !== undefined && v !== undefined && place(s.ticket, v).kind === 'head') {
    const free = isFree(v, now, settings.skewMs);
    if (free || s.blocking) return { action: free ? 'take' : 'beat', delayMs: 0 };
  }
  if (!s.blocking) return { action: 'try', delayMs: 0 };
  // No head start: with others queued (or a ticket of ours kept), a releaser would win every short
  // hold after its own before a queued waiter looks; it polls like any of them.
  const queued = s.ticket !== undefined || (v !== undefined && pending(v) > 0);
  return { action: 'try', delayMs: queued ? pollPace(random) : 0 };
}

/**
 * The ticket a plain try marks done if it takes the lock (rule 2): the waiter's own, unless the
 * item already lists {@link TUNING.doneLimit} done tickets (every write carries the set), or
 * the ticket is void there (served or skipped already: marking it would only grow the set).
 */
export function doneMark(s: Pick<WaitState, 'ticket' | 'view'>): number | undefined {
  const { ticket, view } = s;
  if (ticket === undefined) return undefined;
  if (view === undefined) return ticket;
  return view.done.length < TUNING.doneLimit && place(ticket, view).kind !== 'void' ? ticket : undefined;
}

/** One poll of short holds, ms: a draw under the contention backoff's cap (its last attempt). */
const pollPace = (random: () => number) => backoffDelay(CONTENTION_BACKOFF, Number.POSITIVE_INFINITY, random);

/** The next step after a refused or informative write, at wall time `now`. `random` is in [0, 1). */
export function nextStep(s: WaitState, now: number, settings: WaitSettings, random: () => number): Step {
  if (s.itemMissing) return { action: 'try', delayMs: 0 };
  const v = s.view;
  if (s.ticket === undefined) return pollStep(s, v, now, settings, random);
  if (v === undefined || (!s.viewFresh && !s.returnsItem)) return { action: 'look', delayMs: 0 };
  const at: Place = place(s.ticket, v);
  if (at.kind === 'void')
    return { ...pollStep({ ...s, ticket: undefined }, v, now, settings, random), dropsTicket: true };
  const free = isFree(v, now, settings.skewMs);
  if (at.kind === 'head') {
    if (free) return { action: 'take', delayMs: 0 };
    // The lock is held: the right of way matters at its release, so the claim waits for the
    // head's next look (no live head meanwhile only lets others take a lock freed early).
    return { action: 'beat', delayMs: headDelay(s, v, now, settings, random) };
  }
  if (free && !hasLiveHead(v, now)) return { action: 'try', delayMs: 0 };
  // Everyone ahead took the lock out of turn and waits no more: this waiter is next, at once.
  if (at.ahead === 0) return { action: 'pass', delayMs: 0 };
  const behind = Math.max(1, pending(v) - 1);
  const bound = coverBound(s, now, settings);
  if (at.raw === 1 && !hasLiveHead(v, now) && (v.headUntil ?? 0) <= now - goneAfter(behind, bound, settings)) {
    return { action: 'skip', delayMs: 0 };
  }
  const long = longHolds(s, v, now);
  const own = ownInterval(long, behind, bound, typicalHold(v), settings, random);
  // The waiter right behind the head is next: while the holds are short it looks about once per
  // typical hold, outside the budget (one waiter's worth), so that it claims the right of way
  // soon after the head takes the lock, before that hold ends, and no try takes the next one out of turn.
  const look =
    !long && at.ahead === 1 ? nextInLine(s, typicalHold(v), random) : lookInterval(behind, own, settings, random);
  const delayMs = Math.max(1, withinLease(look, v, now, settings));
  // Where refusals return the item, a look can be a write that acts: right behind the head, a
  // heartbeat (it claims the right of way the moment it is the head), further back, a try (it takes
  // a lock no head claims at once). Refused, each is as informative as a look, at the same cost.
  if (!s.returnsItem) return { action: 'look', delayMs };
  return { action: at.raw === 1 ? 'beat' : 'try', delayMs };
}

/** A waiter without a ticket: queue for long holds, else poll with the backoff. */
function pollStep(
  s: WaitState,
  v: QueueView | undefined,
  now: number,
  settings: WaitSettings,
  random: () => number,
): Step {
  const fresh = s.viewFresh ? v : undefined;
  if (fresh !== undefined && isFree(fresh, now, settings.skewMs) && !hasLiveHead(fresh, now)) {
    return { action: 'try', delayMs: 0 };
  }
  // A ticket is a promise to wait: only a blocking acquire with time for one poll of the head takes one.
  const patient = s.blocking && s.deadline - now >= settings.maxPollMs;
  if (patient && fresh !== undefined && longHolds(s, fresh, now)) return { action: 'ticket', delayMs: 0 };
  const stale = v === undefined || now - s.viewAt >= settings.maxPollMs;
  if (patient && !s.returnsItem && stale && now - s.startedAt >= TUNING.longHoldMs) {
    // Refusals here say nothing (dynalite): after a wait as long as a long hold, and then once
    // per `maxPollInterval`, look whether the holds are long.
    return { action: 'look', delayMs: 0 };
  }
  let delay = backoffDelay(CONTENTION_BACKOFF, Math.max(1, s.refusals), random);
  if (v !== undefined) delay = withinLease(delay, v, now, settings);
  return { action: 'try', delayMs: Math.max(1, delay) };
}
