import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * Attribute names of a lock item. The first three are Python dynamo-dlm 1.x's wire format and
 * keep its meaning; the rest are ours, and a Python client's PutItem simply replaces them.
 */
export const ATTR = {
  /** Partition key (S): the resource being locked. */
  resourceId: 'resource_id',
  /** Sort key (N) of a `'slots'` table (Python dynamo-dlm 2.x): which of the resource's slots. */
  concurrencyId: 'concurrency_id',
  /** Owner code (S) of the current (or, after release, the last) acquisition. */
  releaseCode: 'release_code',
  /** Epoch seconds (N) when the lease ends, rounded up; 0 once released. Python's field. */
  expires: 'expires',
  /** Epoch milliseconds (N) when the lease ends; 0 once released. */
  expiresMs: 'expires_ms',
  /** Fencing token (N) of the current (or last) acquisition; strictly increasing per resource. */
  fencingToken: 'fencing_token',
  /** Epoch seconds (N) after which DynamoDB's TTL may delete the item. */
  ttl: 'ttl',
  /** Who holds (or last held) the lease (S): the `owner` option, written by every acquire. */
  owner: 'owner',
  /** The holder's own payload (S): the `data` option or `setData`; absent when it set none. */
  data: 'data',
  /**
   * The last ticket handed out to a waiter (N). Tickets count up from the writer's clock in
   * microseconds when the queue (re)starts, so a ticket from before a reset is never handed out again.
   */
  nextTicket: 'next_ticket',
  /** The ticket of the latest waiter the queue served (or skipped) (N): the head holds `serving + 1`. */
  serving: 'serving',
  /** The ticket of the waiter that last claimed the right of way (N); see `src/acquire/wait-policy.ts`. */
  headOf: 'head_of',
  /**
   * Epoch milliseconds (N) until which `head_of` has the right of way, by its clock (a heartbeat);
   * when the queue served a waiter, the time it did.
   */
  headUntil: 'head_until',
  /**
   * Tickets whose waiters took the lock out of turn (NS): they wait no more, so counts of the queue
   * leave them out, and the first waiter behind them passes over them at once.
   */
  doneTickets: 'done_tickets',
  /** Epoch milliseconds (N) of the latest acquisition, by the acquirer's clock. */
  acquiredMs: 'acquired_ms',
  /** Epoch milliseconds (N) of the latest release, by the releaser's clock; 0 while held. */
  freedMs: 'freed_ms',
  /** Running average (N) of hold times in milliseconds, recorded by each release. */
  avgHoldMs: 'avg_hold_ms',
  /** The latest hold time (N) in milliseconds, recorded by each release. */
  lastHoldMs: 'last_hold_ms',
} as const;

/**
 * How a lock table is keyed. `'single'`: partition key `resource_id` only, one item per resource
 * (Python dynamo-dlm 1.x). `'slots'`: partition key `resource_id` and sort key `concurrency_id`
 * (Number), one item per slot of a resource (Python dynamo-dlm 2.x).
 */
export type TableLayout = 'single' | 'slots';

/** The primary key of one lock item, as DynamoDB takes it. */
export type ItemKey = Record<string, AttributeValue>;

/**
 * The key of a lock item: the one place that knows both key shapes. A `'single'` table has one
 * item per resource (the slot is ignored: such a lock has one slot); a `'slots'` table one per slot.
 */
export function itemKey(layout: TableLayout, resourceId: string, slot: number): ItemKey {
  const key: ItemKey = { [ATTR.resourceId]: { S: resourceId } };
  if (layout === 'slots') key[ATTR.concurrencyId] = { N: String(slot) };
  return key;
}

/** What a lock item tells about its holder, parsed leniently from raw attribute values. */
export interface Holder {
  /** The holder's owner code, if present. */
  readonly releaseCode: string | undefined;
  /** Epoch milliseconds when the holder's lease ends (from `expires_ms`, else `expires`). */
  readonly expiresMs: number | undefined;
  /** The fencing token stored on the item, if any. */
  readonly fencingToken: number | undefined;
  /** Whether the item was written by a release (a released marker) rather than a holder. */
  readonly released: boolean;
  /** The holder's `owner`, where it wrote one (Python clients do not). */
  readonly owner: string | undefined;
  /** The holder's `data`, where it wrote some. */
  readonly data: string | undefined;
}

/** A string attribute's value, or `undefined` when it is missing or of another type. */
export function readString(value: AttributeValue | undefined): string | undefined {
  return value !== undefined && 'S' in value ? value.S : undefined;
}

/** A number attribute's value, or `undefined` when it is missing, of another type or not finite. */
export function readNumber(value: AttributeValue | undefined): number | undefined {
  if (value === undefined || !('N' in value) || value.N === undefined) return undefined;
  const n = Number(value.N);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * The lease end an item records, epoch ms (0 once released): `expires_ms`, else Python's
 * whole-second `expires`; `undefined` when it has neither.
 */
export function leaseEndMs(item: Record<string, AttributeValue>): number | undefined {
  const expires = readNumber(item[ATTR.expires]);
  return readNumber(item[ATTR.expiresMs]) ?? (expires === undefined ? undefined : expires * 1000);
}

/** Parses what DynamoDB returned of a lock item (ALL_OLD / UPDATED_OLD). */
export function parseHolder(item: Record<string, AttributeValue> | undefined): Holder | undefined {
  if (item === undefined) return undefined;
  const when = leaseEndMs(item);
  return {
    releaseCode: readString(item[ATTR.releaseCode]),
    expiresMs: when,
    fencingToken: readNumber(item[ATTR.fencingToken]),
    released: when === 0,
    owner: readString(item[ATTR.owner]),
    data: readString(item[ATTR.data]),
  };
}

/**
 * Why a lock item's lease end cannot be read, or `undefined` when it can: `expires_ms` and
 * Python's `expires` must be numbers (N) where present, and one of them must be. No client's
 * condition ever admits such an item, so an acquire would wait on it for ever; the lock
 * reports it instead (where the server returns the item on a failed condition).
 */
export function malformation(item: Record<string, AttributeValue> | undefined): string | undefined {
  if (item === undefined) return undefined;
  for (const name of [ATTR.expiresMs, ATTR.expires]) {
    const value = item[name];
    if (value !== undefined && !('N' in value && value.N !== undefined)) {
      return `\`${name}\` is of type ${Object.keys(value)[0] ?? 'unknown'}, not a number (N)`;
    }
  }
  if (item[ATTR.expiresMs] === undefined && item[ATTR.expires] === undefined) {
    return `it has neither \`${ATTR.expiresMs}\` nor \`${ATTR.expires}\``;
  }
  return undefined;
}
