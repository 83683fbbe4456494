import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ATTR, leaseEndMs, readNumber, readString } from './attributes.js';

/**
 * What a lock item says about its holder, its queue and its hold times, read from the item a
 * write returned, and the facts the waiting policy (`src/acquire/wait-policy.ts`) derives from
 * it. Pure: the clock is a parameter.
 */
export interface QueueView {
  /** Lease end, epoch ms (0 once released); from `expires_ms`, else Python's `expires`. */
  readonly expiresMs: number | undefined;
  /** The holder's owner code: tells one Python holder (no `acquired_ms`) from the next. */
  readonly releaseCode: string | undefined;
  readonly nextTicket: number | undefined;
  readonly serving: number | undefined;
  readonly headOf: number | undefined;
  readonly headUntil: number | undefined;
  /** Tickets that took the lock out of turn and wait no more (`done_tickets`), ascending. */
  readonly done: readonly number[];
  readonly acquiredMs: number | undefined;
  readonly avgHoldMs: number | undefined;
  readonly lastHoldMs: number | undefined;
}

/** Parses a returned item; `undefined` for none (the server did not return it). */
export function parseQueueView(item: Record<string, AttributeValue> | undefined): QueueView | undefined {
  if (item === undefined) return undefined;
  return {
    expiresMs: leaseEndMs(item),
    releaseCode: readString(item[ATTR.releaseCode]),
    nextTicket: readNumber(item[ATTR.nextTicket]),
    serving: readNumber(item[ATTR.serving]),
    headOf: readNumber(item[ATTR.headOf]),
    headUntil: readNumber(item[ATTR.headUntil]),
    done: readNumberSet(item[ATTR.doneTickets]),
    acquiredMs: readNumber(item[ATTR.acquiredMs]),
    avgHoldMs: readNumber(item[ATTR.avgHoldMs]),
    lastHoldMs: readNumber(item[ATTR.lastHoldMs]),
  };
}

/** A number set's members, ascending; none for anything else. */
function readNumberSet(value: AttributeValue | undefined): readonly number[] {
  if (value === undefined || !('NS' in value) || value.NS === undefined) return [];
  return value.NS.map(Number)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
}

/** The done tickets above `after` and below `before`. */
function doneBetween(v: QueueView, after: number, before: number): number[] {
  return v.done.filter((t) => t > after && t < before);
}

/**
 * Whether the lock is free at `now` (epoch ms): released, or its lease past its end by more than
 * the skew allowance. An item with no lease end at all (malformed) is never free.
 */
export function isFree(v: QueueView, now: number, skewMs: number): boolean {
  if (v.expiresMs === undefined) return false;
  return v.expiresMs === 0 || v.expiresMs + skewMs <= now;
}

/**
 * Whether a queued waiter holds the right of way at `now`: its heartbeat (`head_until`, by its
 * own clock) has not run out, and it is still waiting (`head_of` above `serving`). The acquire
 * condition asks only the first (`src/item/queue-requests.ts`): a served or departed head leaves
 * `head_until` in the past, so both agree but for a clock ahead by more than the skew allowance.
 */
export function hasLiveHead(v: QueueView, now: number): boolean {
  return (
    v.headOf !== undefined &&
    v.serving !== undefined &&
    v.headOf > v.serving &&
    v.headUntil !== undefined &&
    v.headUntil > now
  );
}

/**
 * A ticket's place: the head; behind others (`ahead` of them still waiting, `raw` tickets in all,
 * `over` the done ones when none ahead still waits); or void (skipped, or the queue was reset).
 */
export type Place =
  | { readonly kind: 'head' }
  | { readonly kind: 'behind'; readonly ahead: number; readonly raw: number; readonly over: readonly number[] }
  | { readonly kind: 'void' };

/**
 * Where `ticket` stands. Missing counters mean a Python 1.x client's PutItem (or release) wiped
 * the queue; a ticket at or below `serving` was served or skipped; one above `next_ticket`
 * dates from before a reset. Each of those is void.
 */
export function place(ticket: number, v: QueueView): Place {
  if (v.serving === undefined || v.nextTicket === undefined) return { kind: 'void' };
  if (ticket <= v.serving || ticket > v.nextTicket) return { kind: 'void' };
  if (ticket === v.serving + 1) return { kind: 'head' };
  const raw = ticket - v.serving - 1;
  const done = doneBetween(v, v.serving, ticket);
  const ahead = raw - done.length;
  return { kind: 'behind', ahead, raw, over: ahead === 0 ? done : [] };
}

/** How many tickets the queue has not served yet, less those done (they wait no more). */
export function pending(v: QueueView): number {
  if (v.serving === undefined || v.nextTicket === undefined) return 0;
  return Math.max(0, v.nextTicket - v.serving - doneBetween(v, v.serving, v.nextTicket + 1).length);
}

/**
 * The hold to expect, ms: the shorter of the running average and the latest hold, so that the
 * first short hold after long ones is expected short at once (an average alone lags for many
 * holds). Undefined before any release recorded one.
 */
export function typicalHold(v: QueueView): number | undefined {
  const { avgHoldMs: avg, lastHoldMs: last } = v;
  if (avg === undefined) return last;
  if (last === undefined) return avg;
  return Math.min(avg, last);
}
