import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ATTR } from './attributes.js';

/**
 * What a lock item says about its holder, its queue and its hold times, read from the item a
 * write returned, and the few facts the waiting policy (`src/acquire/wait-policy.ts`) derives from it.
 */

/** What a lock item says about its holder, its queue and its hold times. */
export interface QueueView {
  /** Lease end, epoch ms (0 once released); from `expires_ms`, else Python's `expires`. */
  readonly expiresMs: number | undefined;
  readonly nextTicket: number | undefined;
  readonly serving: number | undefined;
  readonly acquiredMs: number | undefined;
  readonly freedMs: number | undefined;
  readonly avgHoldMs: number | undefined;
  readonly avgWaitMs: number | undefined;
}

function num(value: AttributeValue | undefined): number | undefined {
  if (value === undefined || !('N' in value) || value.N === undefined) return undefined;
  const n = Number(value.N);
  return Number.isFinite(n) ? n : undefined;
}

/** Parses a returned item; `undefined` for none (the server did not return it). */
export function parseQueueView(item: Record<string, AttributeValue> | undefined): QueueView | undefined {
  if (item === undefined) return undefined;
  const expiresMs = num(item[ATTR.expiresMs]);
  const expires = num(item[ATTR.expires]);
  return {
    expiresMs: expiresMs ?? (expires === undefined ? undefined : expires * 1000),
    nextTicket: num(item[ATTR.nextTicket]),
    serving: num(item[ATTR.serving]),
    acquiredMs: num(item[ATTR.acquiredMs]),
    freedMs: num(item[ATTR.freedMs]),
    avgHoldMs: num(item[ATTR.avgHoldMs]),
    avgWaitMs: num(item[ATTR.avgWaitMs]),
  };
}

/** Whether tickets are out that the queue has not served yet. */
export function queuePending(v: QueueView | undefined): boolean {
  return v?.nextTicket !== undefined && v.serving !== undefined && v.nextTicket > v.serving;
}

/** Since when the lock has been free (epoch ms), or `undefined` while it is held at `now`. */
export function freeSince(v: QueueView | undefined, now: number, skewMs: number): number | undefined {
  if (v === undefined) return Number.NEGATIVE_INFINITY;
  if (v.expiresMs === undefined) return undefined;
  if (v.expiresMs === 0) return v.freedMs ?? Number.NEGATIVE_INFINITY;
  const end = v.expiresMs + skewMs;
  return end <= now ? end : undefined;
}

/** When the holder is expected to release (epoch ms): its start plus the average hold, never past its lease end. */
export function predictedRelease(v: QueueView | undefined, skewMs: number): number | undefined {
  if (v === undefined || v.expiresMs === undefined || v.expiresMs === 0) return undefined;
  const end = v.expiresMs + skewMs;
  if (v.acquiredMs === undefined || v.avgHoldMs === undefined) return undefined;
  return Math.min(end, v.acquiredMs + v.avgHoldMs);
}

/** A ticket's place: at the head, behind `ahead` others, or void (skipped, or the queue was reset). */
export type Place =
  | { readonly kind: 'head' }
  | { readonly kind: 'behind'; readonly ahead: number }
  | { readonly kind: 'void' };

/**
 * Where `ticket` stands. A missing counter means a Python 1.x client's PutItem (or release)
 * wiped the queue; a ticket at or below `serving` was skipped; one above `next_ticket` dates from
 * before a reset. Each of those takes a fresh ticket.
 */
export function place(ticket: number, v: QueueView): Place {
  if (v.serving === undefined || v.nextTicket === undefined) return { kind: 'void' };
  if (ticket <= v.serving || ticket > v.nextTicket) return { kind: 'void' };
  if (ticket === v.serving + 1) return { kind: 'head' };
  return { kind: 'behind', ahead: ticket - v.serving - 1 };
}
