import { type QueueView, typicalHold } from '../item/queue-view.js';

/**
 * What a waiter of a single-slot lock knows and judges between writes: the policy's `TUNING`, its
 * settings, its state, the steps it takes, and the judgements every rule shares (how long the hold
 * in progress has lasted, whether holds are long, the contract's bound `B`). The decisions are in
 * `wait-policy.ts`.
 *
 * TUNING: every constant of the policy, each with its intent. A change needs a side-by-side
 * bench run (`npm run bench -- --only=waiting`); docs/bench names the rows that measured them.
 */
export const TUNING = {
  /** A hold this old, or typical holds this long (ms), are queued for; shorter ones are polled for. */
  longHoldMs: 300,
  /** The head's longest interval, as fractions of `maxPollInterval` (spread keeps heads of many locks apart). */
  headCap: { low: 0.875, high: 0.975 },
  /** A heartbeat's right of way outlasts the head's longest interval by this much (ms): one slow round trip. */
  headSlackMs: 250,
  /**
   * The most looks per `maxPollInterval` that all waiters behind the head spend together (40 a
   * second by default): what a crowd of them costs, whatever its number, and how fast it drains
   * short holds when no head is live.
   */
  lookBudget: 80,
  /**
   * A waiter that takes the lock out of turn marks its ticket done only while the item lists fewer
   * than this many: the set travels in every write's size. Past it, the ticket is left to be skipped.
   */
  doneLimit: 64,
  /** The contract's fraction of the longest hold seen lately, and how long "lately" lasts (ms). */
  coverFraction: 0.25,
  coverMemoryMs: 60_000,
  /** The head's interval once the predicted release has passed: this fraction of how overdue it is (the most it adds to a late hold's hand-off). */
  overdueFraction: 0.125,
  /** The head's interval when nothing predicts the release: this fraction of the hold so far. */
  unknownHoldFraction: 0.5,
  /** The round trip assumed until one is measured, ms. */
  defaultRttMs: 20,
} as const;

/** The settings a wait runs with. */
export interface WaitSettings {
  /** The `maxPollInterval` option, ms: the head's longest interval and the floor of the idle bound. */
  readonly maxPollMs: number;
  /** Allowance for other writers' clocks, ms (`clockSkewAllowance`). */
  readonly skewMs: number;
}

/** The next write a waiter sends. */
export type Action =
  /** An acquire without the right of way: taken if the lock is free and no head claims it. */
  | 'try'
  /** Join the queue. */
  | 'ticket'
  /** Learn what the item says (a write that changes nothing). */
  | 'look'
  /** The head's heartbeat: claims the right of way, and learns what the item says. */
  | 'beat'
  /** The head's acquire. */
  | 'take'
  /** Take the place of a head that is gone. */
  | 'skip'
  /** Pass over the tickets ahead, all done (they took the lock out of turn), to the head's place. */
  | 'pass';

/** The next write and how long to wait before it, ms. */
export interface Step {
  readonly action: Action;
  readonly delayMs: number;
  /** The waiter stops queueing: its ticket is void. */
  readonly dropsTicket?: true;
}

/** The longest hold seen in progress, and when (epoch ms), for the contract's bound. */
export interface Sighting {
  readonly holdMs: number;
  readonly at: number;
}

/** What a waiter knows, kept by the waiter between writes. */
export interface WaitState {
  /** Whether this acquire waits at all (`blocking: false` tries once). */
  readonly blocking: boolean;
  /** Wall time (epoch ms) when this acquire started, and when it gives up (`Infinity`: never). */
  readonly startedAt: number;
  readonly deadline: number;
  /** Our ticket, once queued. */
  readonly ticket: number | undefined;
  /** The item as last returned, and whether by the write just answered. */
  readonly view: QueueView | undefined;
  readonly viewFresh: boolean;
  /** When the view was returned, epoch ms. */
  readonly viewAt: number;
  /** The item is known not to exist (a ticket or look was refused): the lock is free. */
  readonly itemMissing: boolean;
  /** Tries refused so far without a ticket (drives the backoff). */
  readonly refusals: number;
  /** The server returns the item on a refused write (learned from the first refusal). */
  readonly returnsItem: boolean;
  /** Round trip of this acquire's writes (a running average), ms. */
  readonly rttMs: number | undefined;
  /** The longest hold seen in progress (for the bound `B`). */
  readonly longest: Sighting | undefined;
  /** When a holder without `acquired_ms` (Python) was first seen: its hold so far is measured from there. */
  readonly firstSeen: { readonly code: string | undefined; readonly at: number } | undefined;
}

/** How long the hold in progress has lasted at `now`, ms; undefined when the lock is released. */
export function holdAge(s: Pick<WaitState, 'firstSeen'>, v: QueueView, now: number): number | undefined {
  if (v.expiresMs === undefined || v.expiresMs === 0) return undefined;
  if (v.acquiredMs !== undefined) return Math.max(0, now - v.acquiredMs);
  return s.firstSeen !== undefined && s.firstSeen.code === v.releaseCode ? Math.max(0, now - s.firstSeen.at) : 0;
}

/** Whether the holds are long enough to queue for: the one in progress, or the typical one. */
export function longHolds(s: Pick<WaitState, 'firstSeen'>, v: QueueView, now: number): boolean {
  const age = holdAge(s, v, now);
  const typical = typicalHold(v);
  return (age !== undefined && age >= TUNING.longHoldMs) || (typical !== undefined && typical >= TUNING.longHoldMs);
}

/**
 * The contract's bound `B` at `now`, ms: `maxPollInterval`, or a quarter of the longest hold
 * this waiter saw in progress during the last minute, whichever is longer. Every release within
 * a minute of that sighting has that hold in progress during the minute before it, so a waiter
 * that looks every `B` finds a free lock within the bound whatever the holds do next.
 */
export function coverBound(s: Pick<WaitState, 'longest'>, now: number, settings: WaitSettings): number {
  const seen = s.longest;
  if (seen === undefined || now - seen.at > TUNING.coverMemoryMs) return settings.maxPollMs;
  return Math.max(settings.maxPollMs, TUNING.coverFraction * seen.holdMs);
}
