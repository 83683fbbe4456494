import { freeSince, place, predictedRelease, type QueueView, queuePending } from '../item/queue-view.js';
import { pollDelay, timedPolls } from './poll-timing.js';

export {
  freeSince,
  type Place,
  parseQueueView,
  place,
  predictedRelease,
  type QueueView,
  queuePending,
} from '../item/queue-view.js';

/**
 * How a blocked acquire waits for a lock held in another process: pure decisions from what the
 * lock item last said, so that each rule is pinned by unit tests with an injected clock.
 *
 * A short wait polls as before (capped exponential backoff with full jitter): it is the cheapest
 * way through short holds. A long wait joins a FIFO queue kept in the item itself: `next_ticket`
 * hands out places, `serving` is the place of the latest holder that came through the queue.
 * The head of the queue polls near the predicted release (the holder's `acquired_ms` plus the
 * average hold the releases record), then at growing intervals up to `maxPollMs`; the others
 * sleep until near their predicted turn. Waiters without a ticket may take a free lock only
 * while no queue is pending, so `blocking: false` never barges past a queue. A queued waiter
 * that crashed or gave up is skipped once the lock has stood free for `graceMs`.
 */

/** The settings a wait runs with. */
export interface WaitSettings {
  /** Longest interval between the head's polls, ms (the `maxPollInterval` option). */
  readonly maxPollMs: number;
  /** Allowance for other writers' clocks, ms (`clockSkewAllowance`). */
  readonly skewMs: number;
}

/**
 * A wait this long (ms), knowing nothing of the holds, looks at the item to decide whether to
 * queue: as long as a hold must last to be queued for, since a wait that short tells nothing yet.
 */
export const JOIN_AFTER_MS = 300;
/**
 * Holds this long on average (ms), or a holder that has held this long, make a waiter queue at
 * once. 300 ms, not 1 s: with 7 s holds on a fresh table (no average yet) a waiter polled for
 * the holder's first second, and 1 s cost 31.6 / 23.6 waiting writes per waiter-minute on
 * dynalite / DynamoDB Local against 23.6 / 20.5 at 300 ms, measured side by side
 * (`npm run bench -- --scenario=long --baseline=...`); the 5 ms rows did not change.
 */
export const LONG_HOLD_MS = 300;
/**
 * Holds shorter than this on average (ms) are polled for and never queued for: a queue's
 * hand-off waits on a sleeping head's timing, which scheduling noise of a few ms upsets when the
 * hold itself is a few ms, while polling waiters catch a short hold's release quickly.
 */
export const SHORT_HOLD_MS = 100;
/** After its own release, a lock takes a ticket this fraction of `maxPollMs` later (`firstStep`). */
export const TICKET_AFTER_RELEASE = 0.125;
/** The round trip assumed until this acquire has measured one, ms. */
export const DEFAULT_RTT_MS = 20;
/**
 * Waiters behind the head sleep at most this many head intervals between polls (1 min by
 * default). It also bounds how long a lock stands free behind a waiter that became the head while
 * asleep: at 60, in the standby shape, 15 of 24 waiters behind the heads were not served within a
 * minute of the long hold's end.
 */
export const BEHIND_CAP_FACTOR = 30;
/**
 * Every this many blind refusals (no item returned), a queued waiter refreshes its view: about
 * once a minute for a head polling at the cap, to find out whether its ticket was voided.
 */
export const BLIND_REFRESH_EVERY = 30;
/**
 * The head's interval while the holder is overdue is this fraction of how overdue it is (a
 * holder late by a minute is unlikely to let go in the next few ms).
 */
export const OVERDUE_FRACTION = 0.25;
/**
 * With no average hold recorded yet, the head's interval is this fraction of the hold so far:
 * half, not a quarter, since nothing predicts the release; a quarter cost a 7 s first hold 15
 * polls against 8 (`ln(7 s / 0.3 s) / ln(1 + f)`), the hand-off of that one hold a little more.
 */
export const UNKNOWN_HOLD_FRACTION = 0.5;
/**
 * The head's intervals at the cap are between these fractions of `maxPollMs` (jitter keeps
 * heads of many locks apart). The hand-off after a release it cannot predict is half an
 * interval at the median, so a mean of 92.5% keeps that median under half of `maxPollMs`
 * (0.93 s by default) while the head writes 32.4 times a minute. The standby shape of 3 waiters
 * with 12 writes each a minute leaves the head at most 36 polls a minute (a 0.83 s median at
 * best); with a mean of 90% its 10 locks measured 12.0 / 11.8 writes per waiter-minute and a
 * median hand-off of 1.02 / 0.47 s (DynamoDB Local / dynalite, 10 samples each).
 */
export const HEAD_CAP_SPREAD = { low: 0.875, high: 0.975 } as const;

/**
 * How long a lock must stand free before a later ticket may take it past waiters that did not
 * come, ms: two head intervals (a live head polls at least once per interval) plus the clock
 * skew allowance (the release time was written by another machine's clock).
 */
export function graceMs(s: WaitSettings): number {
  return 2 * s.maxPollMs + s.skewMs;
}

/** The longest a waiter behind the head sleeps between polls, ms. */
export function behindCapMs(s: WaitSettings): number {
  return BEHIND_CAP_FACTOR * s.maxPollMs;
}

/** The next write a waiter sends. */
export type Action =
  /** An acquire without a ticket (admitted only while no queue is pending). */
  | 'try'
  /** Join the queue. */
  | 'ticket'
  /** An acquire as the head of the queue. */
  | 'head'
  /** An acquire past queued waiters that left the lock free for the grace. */
  | 'skip'
  /** Learn where the queue stands (where refused writes do not return the item). */
  | 'refresh';

/** The next write and how long to wait before it, ms. */
export interface Step {
  readonly action: Action;
  readonly delayMs: number;
}

/** What a waiter knows, kept by the acquire loop between writes. */
export interface WaitState {
  /** Epoch ms (wall clock) when this acquire started. */
  readonly startedAt: number;
  /** Our ticket, once queued. */
  readonly ticket: number | undefined;
  /** The item as last returned, and whether that was by the write just answered. */
  readonly view: QueueView | undefined;
  readonly viewFresh: boolean;
  /** Whether the item is known not to exist (a ticket or refresh was refused). */
  readonly itemMissing: boolean;
  /** Ticketless refusals so far (drives the polling backoff). */
  readonly refusals: number;
  /** Refusals in the queue since the view was last fresh. */
  readonly blind: number;
  /** Whether the server returns the item on a refused write (learned from the first refusal). */
  readonly returnsItem: boolean;
  /** The average hold last seen recorded on the item (by this acquire, or this lock's latest release), ms. */
  readonly knownAvgHoldMs: number | undefined;
  /** Round trip of this acquire's writes (a running average), ms; undefined before the first answer. */
  readonly rttMs: number | undefined;
  /** The item's running average of polled waits, as last seen, ms (`waitAverage`). */
  readonly avgPollWaitMs: number | undefined;
}

/** Whether a holder's hold is long: by the recorded average, or by how long it has held now. */
function longHold(v: QueueView | undefined, now: number): boolean {
  if (v === undefined) return false;
  if (v.avgHoldMs !== undefined && v.avgHoldMs >= LONG_HOLD_MS) return true;
  return v.acquiredMs !== undefined && v.expiresMs !== 0 && now - v.acquiredMs >= LONG_HOLD_MS;
}

/**
 * The first write of an acquire: a plain try, unless what this lock saw last (answered by its
 * own release, at most `JOIN_AFTER_MS` ago) says a queue is pending: then join it rather than
 * spend a refused write finding that out, `TICKET_AFTER_RELEASE` of `maxPollMs` after the call,
 * by when a live head has taken the lock, so that the ticket's answer shows it held. Taken at
 * once, it showed the lock just freed, and a waiter that sees a free lock must look again at the
 * grace, in case the head is dead: one write a cycle (two on dynalite) on 4 processes with 7 s
 * holds. Its place in the queue is the same either way. Right after its own release, a lock whose
 * polled waits are long (many waiters) first sleeps one poll interval, as every waiter does
 * after a refusal: a try at once would be refused (a waiter takes the freed lock) and would win
 * only by barging ahead of waiters that have waited for many cycles.
 */
export function firstStep(
  remembered: QueueView | undefined,
  avgPollWaitMs: number | undefined,
  settings: WaitSettings,
  random: () => number,
): Step {
  if (queuePending(remembered) && !shortHolds(remembered?.avgHoldMs)) {
    return { action: 'ticket', delayMs: settings.maxPollMs * TICKET_AFTER_RELEASE };
  }
  if (remembered === undefined || !timedPolls(avgPollWaitMs)) return { action: 'try', delayMs: 0 };
  return { action: 'try', delayMs: pollDelay(1, avgPollWaitMs, settings.maxPollMs, random) };
}

function shortHolds(avgHoldMs: number | undefined): boolean {
  return avgHoldMs !== undefined && avgHoldMs < SHORT_HOLD_MS;
}

/**
 * The next step after a refused or informative write, at wall time `now`. `random` is in [0, 1).
 */
export function nextStep(s: WaitState, now: number, settings: WaitSettings, random: () => number): Step {
  const v = s.view;
  if (s.itemMissing) return { action: 'try', delayMs: 0 };
  if (s.ticket === undefined) {
    // Long holds are queued for (and a pending queue joined unless the holds are short); others
    // are polled for: a queue's hand-off waits on a sleeping head's timing, which scheduling noise
    // upsets when the holds are short, and its pending tickets block every poller meanwhile.
    // Who holds it and whether a queue is pending, only from what the last write returned: an
    // older view would make any holder look long-held.
    const fresh = s.viewFresh ? v : undefined;
    const avg = v?.avgHoldMs ?? s.knownAvgHoldMs;
    if (longHold(fresh, now)) return { action: 'ticket', delayMs: 0 };
    if (!shortHolds(avg) && queuePending(fresh)) return { action: 'ticket', delayMs: 0 };
    if (avg === undefined && !s.viewFresh && !s.returnsItem && now - s.startedAt >= JOIN_AFTER_MS) {
      // A long wait knowing nothing of the holds (refusals return nothing on dynalite): look.
      return { action: 'refresh', delayMs: 0 };
    }
    let delay = pollDelay(s.refusals, s.avgPollWaitMs, settings.maxPollMs, random);
    // Never sleep past the holder's lease end, where the server told us.
    const free = v?.expiresMs;
    if (free !== undefined && free > 0) delay = Math.min(delay, Math.max(1, free + settings.skewMs - now));
    return { action: 'try', delayMs: delay };
  }
  if (v === undefined || (!s.viewFresh && s.blind >= BLIND_REFRESH_EVERY)) {
    // Queued without knowing where the queue stands: ask.
    return { action: 'refresh', delayMs: v === undefined ? 0 : jitter(settings.maxPollMs, random) };
  }
  const p = place(s.ticket, v);
  const rtt = s.rttMs ?? DEFAULT_RTT_MS;
  if (p.kind === 'void') return { action: queuePending(v) || longHold(v, now) ? 'ticket' : 'try', delayMs: 0 };
  const since = freeSince(v, now, settings.skewMs);
  if (p.kind === 'head') {
    if (since !== undefined && s.viewFresh) return { action: 'head', delayMs: 0 };
    return { action: 'head', delayMs: headDelay(v, now, settings, random, rtt) };
  }
  // Refused as the head without being told why (dynalite): look at once, the turn was due.
  if (!s.viewFresh && !s.returnsItem) return { action: 'refresh', delayMs: rtt };
  const wake = behindDelay(v, p.ahead, now, settings, random, rtt);
  let delay = wake.delayMs;
  // Woken at its turn, it tries as the head straight away: it probably is by then. Woken on the
  // way (to correct the estimate), it only looks, where a refusal would not return the item.
  let action: Action = wake.due || s.returnsItem ? 'head' : 'refresh';
  if (since !== undefined) {
    // Free, and not taken by the waiters ahead: skip them once the grace has passed.
    const skipAt = since + graceMs(settings);
    // Only on what the item says now: a skip refused unseen (someone took the lock) must look first.
    if (skipAt <= now) return s.viewFresh ? { action: 'skip', delayMs: 0 } : { action: 'refresh', delayMs: 0 };
    if (skipAt - now + rtt < delay) {
      delay = skipAt - now + rtt;
      // By then it may be the head; where a refusal says nothing, a look costs one write, not two.
      action = s.returnsItem ? 'head' : 'refresh';
    }
  }
  return { action, delayMs: delay };
}

/** Uniform in [(1 - spread) ms, ms): spreads waiters apart, never past `ms`. */
function jitter(ms: number, random: () => number, spread = 0.25): number {
  return ms * (1 - spread * random());
}

/**
 * The head sleeps until the predicted release (plus half a round trip, so that its write lands
 * just after the release's), then polls at intervals that grow with how overdue the release is
 * (`OVERDUE_FRACTION` of it), from one round trip up to `maxPollMs` (at the cap, between
 * `HEAD_CAP_SPREAD`'s fractions of it). Without a recorded average, the hold so far stands in: the
 * interval is `UNKNOWN_HOLD_FRACTION` of how long the holder has held.
 */
export function headDelay(
  v: QueueView,
  now: number,
  settings: WaitSettings,
  random: () => number,
  rttMs = DEFAULT_RTT_MS,
): number {
  // A short hold's predicted end is within scheduling noise of now: poll from the start instead.
  const predicted = shortHolds(v.avgHoldMs) ? undefined : predictedRelease(v, settings.skewMs);
  if (predicted !== undefined && predicted > now) {
    return Math.min(predicted - now + rttMs / 2, behindCapMs(settings));
  }
  const since = predicted ?? v.acquiredMs ?? now;
  const fraction = predicted === undefined ? UNKNOWN_HOLD_FRACTION : OVERDUE_FRACTION;
  const grown = Math.max(rttMs, (now - since) * fraction);
  let delay =
    grown >= settings.maxPollMs * HEAD_CAP_SPREAD.high
      ? settings.maxPollMs * (HEAD_CAP_SPREAD.high - (HEAD_CAP_SPREAD.high - HEAD_CAP_SPREAD.low) * random())
      : jitter(grown, random, 0.1);
  // A lease that runs out is free then, renewed or not: look again at its end.
  const end = v.expiresMs !== undefined && v.expiresMs > 0 ? v.expiresMs + settings.skewMs : undefined;
  if (end !== undefined && end > now) delay = Math.min(delay, end - now);
  return Math.max(1, delay);
}

/**
 * A waiter `ahead` places behind the head sleeps until its predicted turn: the holder's
 * predicted release plus `ahead` cycles, a cycle being the average hold plus two round trips
 * (a release and the next head's acquire); at least one round trip, at most `behindCapMs`.
 * With no average recorded yet, the hold so far stands in for one, so the sleep grows with it.
 */
export function behindDelay(
  v: QueueView,
  ahead: number,
  now: number,
  settings: WaitSettings,
  random: () => number,
  rttMs = DEFAULT_RTT_MS,
): { readonly delayMs: number; readonly due: boolean } {
  const cap = behindCapMs(settings);
  const predicted = predictedRelease(v, settings.skewMs);
  if (v.avgHoldMs !== undefined && (predicted !== undefined || v.expiresMs === 0 || shortHolds(v.avgHoldMs))) {
    const full = Math.max(rttMs, Math.max(predicted ?? now, now) + ahead * (v.avgHoldMs + 2 * rttMs) - now + rttMs / 2);
    const delayMs = Math.min(cap, halfway(full, settings));
    return { delayMs, due: delayMs >= full };
  }
  const held = v.acquiredMs === undefined || v.expiresMs === 0 ? 0 : Math.max(0, now - v.acquiredMs);
  const turn = now + (ahead + 1) * Math.max(held, settings.maxPollMs);
  return { delayMs: Math.min(cap, jitter(halfway(turn - now, settings), random, 0.1)), due: false };
}

/**
 * A turn far off is only an estimate (the average lags behind a change of pace): sleep three
 * quarters of the way and look again, so that the estimate is corrected a few times on the way
 * instead of a waiter sleeping through its turn, at one write per look.
 */
function halfway(ms: number, settings: WaitSettings): number {
  const near = 4 * settings.maxPollMs;
  return ms <= near ? ms : Math.max(near, ms * 0.75);
}
