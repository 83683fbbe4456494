import type { UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { ATTR, type ItemKey } from './attributes.js';
import { admission, type Claim, pastMark } from './queue-requests.js';

/**
 * Pure builders of the three conditional writes the lock sends. Nothing here talks to the
 * network, so the conditions are unit-tested as plain objects and proven on a real server
 * by the integration tests.
 */

const NAMES = {
  '#rid': ATTR.resourceId,
  '#code': ATTR.releaseCode,
  '#exp': ATTR.expires,
  '#expms': ATTR.expiresMs,
  '#token': ATTR.fencingToken,
  '#ttl': ATTR.ttl,
} as const;

/** The names extend and release use: every placeholder a request defines must appear in it. */
const HELD_NAMES = {
  '#code': ATTR.releaseCode,
  '#exp': ATTR.expires,
  '#expms': ATTR.expiresMs,
  '#ttl': ATTR.ttl,
} as const;

/** Inputs shared by the builders. Times are epoch milliseconds from the writer's clock. */
export interface RequestContext {
  readonly tableName: string;
  /** The item written: built by `itemKey`, so the builders never depend on the table's layout. */
  readonly key: ItemKey;
  /** This acquisition's owner code. */
  readonly code: string;
  /** The writer's wall clock, epoch ms. */
  readonly now: number;
}

/** Lease end as written: exact milliseconds plus Python's whole seconds, rounded up. */
function leaseValues(expiresMs: number, retentionS: number) {
  const expires = Math.ceil(expiresMs / 1000);
  return {
    ':exp': { N: String(expires) },
    ':expms': { N: String(expiresMs) },
    ':ttl': { N: String(expires + retentionS) },
  };
}

/** What a holder says about itself, written with the lease. */
export interface HolderFields {
  /** Written to `owner` by every acquire. */
  readonly owner: string;
  /** Written to `data`; without it, an acquire removes the previous holder's data. */
  readonly data?: string | undefined;
}

/**
 * The acquire's clauses for `owner` and `data`, appended after the lease's own SET items.
 * A new holder never inherits the previous holder's data: without data of its own it removes it.
 */
function holderClauses(h: HolderFields) {
  const names = { '#owner': ATTR.owner, '#data': ATTR.data };
  return h.data === undefined
    ? { update: ', #owner = :owner REMOVE #data', names, values: { ':owner': { S: h.owner } } }
    : {
        update: ', #owner = :owner, #data = :data',
        names,
        values: { ':owner': { S: h.owner }, ':data': { S: h.data } },
      };
}

/** Inputs of an acquire. */
export interface AcquireRequest extends RequestContext, HolderFields {
  /** Lease length, ms. */
  readonly durationMs: number;
  /** Added to other holders' expiry before judging it passed, ms. */
  readonly skewMs: number;
  /** Seconds past the lease end after which TTL may delete the item. */
  readonly retentionS: number;
  /**
   * Who takes the lock: anyone (`'plain'`, admitted only while no queued waiter holds the right
   * of way), or the queue's head.
   * @default { kind: 'plain' }
   */
  readonly claim?: Claim;
  /**
   * A plain acquire by a queued waiter: its ticket, which taking the lock marks done
   * (`done_tickets`), so that the queue stops counting it and the waiter behind passes over it.
   */
  readonly done?: number | undefined;
}

/**
 * Acquire: one conditional UpdateItem that takes the lock and mints the fencing token.
 *
 * The condition admits a missing item, a released marker (`expires_ms` 0), a lease past its
 * end by more than the skew allowance (judged by `expires_ms`, or by Python's `expires` when
 * the item has no `expires_ms`), and our own live lease, so that retrying a write whose response
 * was lost succeeds instead of waiting out our own lease. Two guards stop a write of ours that
 * the network delayed past a later one: it may not move our own lease end backwards, and it may
 * not take our own released marker (the `NOT #code = :code` branch; written with NOT because a
 * comparison with a missing attribute is false). Whoever takes a free lock must also pass the
 * queue's admission (`src/item/queue-requests.ts`): the head always, anyone else only while no
 * queued waiter holds the right of way.
 *
 * The token is the old token plus one. When the item does not exist it starts from the
 * writer's clock in microseconds, so it still exceeds every token minted before the item was
 * deleted (by TTL, or by a Python client's release) unless the clocks disagree by more than the
 * time the item was gone for.
 */
export function acquireRequest(r: AcquireRequest): UpdateItemCommandInput {
  const a = admission(r.claim ?? { kind: 'plain' }, pastMark(r.now, r.skewMs));
  const holder = holderClauses(r);
  // A queued waiter taking the lock out of turn gives its ticket up in the same write.
  const done = r.claim?.kind === 'head' ? undefined : r.done;
  const cutoffMs = r.now - r.skewMs;
  // Flat on purpose (each queue alternative ANDed into each expiry test, not nested): the same
  // condition nested three parentheses deep cost dynalite's parser 3.5x the time
  // (bench/diagnose/condition-cost.mjs). Our own live lease (a retry of a write applied unseen)
  // is admitted whatever the queue says.
  const free = a.alternatives.flatMap((q) => [
    `(NOT #code = :code AND #expms <= :cutoffMs AND ${q})`,
    `(NOT #code = :code AND attribute_not_exists(#expms) AND #exp <= :cutoffS AND ${q})`,
  ]);
  return {
    TableName: r.tableName,
    Key: r.key,
    // The queue's SET items come before the holder's clauses, which may end in a REMOVE.
    UpdateExpression: `SET #code = :code, #exp = :exp, #expms = :expms, #ttl = :ttl, #token = if_not_exists(#token, :base) + :one, #acqms = :now, #freed = :zero${a.set}${holder.update}${done === undefined ? '' : ' ADD #done :done'}`,
    ConditionExpression: [
      'attribute_not_exists(#rid)',
      '(#code = :code AND #expms > :zero AND #expms <= :expms)',
      ...free,
    ].join(' OR '),
    ExpressionAttributeNames: {
      ...NAMES,
      '#acqms': ATTR.acquiredMs,
      '#freed': ATTR.freedMs,
      ...a.names,
      ...holder.names,
      ...(done === undefined ? {} : { '#done': ATTR.doneTickets }),
    },
    ExpressionAttributeValues: {
      ':code': { S: r.code },
      ...leaseValues(r.now + r.durationMs, r.retentionS),
      ':base': { N: String(tokenBase(r.now)) },
      ':one': { N: '1' },
      ':zero': { N: '0' },
      ':now': { N: String(r.now) },
      ':cutoffMs': { N: String(cutoffMs) },
      ':cutoffS': { N: String(Math.floor(cutoffMs / 1000)) },
      ...a.values,
      ...holder.values,
      ...(done === undefined ? {} : { ':done': { NS: [String(done)] } }),
    },
    // The whole old item: its token and holder, and what the queue and the hold times looked like.
    ReturnValues: 'ALL_OLD',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

/** Where a resource's token counter starts when its item does not exist: epoch microseconds. */
export function tokenBase(nowMs: number): number {
  return Math.floor(nowMs) * 1000;
}

/** Inputs of an extend (renewal). */
export interface ExtendRequest extends RequestContext {
  readonly durationMs: number;
  readonly retentionS: number;
  /** New `data` to write in the same conditional write (`lock.setData`); without it, data is kept. */
  readonly data?: string | undefined;
}

/**
 * Extend: push the lease end out, only while the item still carries our code and is held, and
 * never backwards: a renewal the network delayed past a later one must not shorten the lease
 * the server keeps below the one this process believes in. (The lock therefore never asks for
 * an end earlier than the one it already has.) With `data`, the same write replaces the
 * holder's data (`lock.setData`): one write unit for both, under the same guard, so a delayed
 * setData never overwrites a later one unless both asked for the same lease end.
 */
export function extendRequest(r: ExtendRequest): UpdateItemCommandInput {
  const data = r.data === undefined ? undefined : { S: r.data };
  return {
    TableName: r.tableName,
    Key: r.key,
    UpdateExpression: `SET #exp = :exp, #expms = :expms, #ttl = :ttl${data === undefined ? '' : ', #data = :data'}`,
    ConditionExpression: '#code = :code AND #expms > :zero AND #expms <= :expms',
    ExpressionAttributeNames: data === undefined ? HELD_NAMES : { ...HELD_NAMES, '#data': ATTR.data },
    ExpressionAttributeValues: {
      ':code': { S: r.code },
      ':zero': { N: '0' },
      ...leaseValues(r.now + r.durationMs, r.retentionS),
      ...(data === undefined ? {} : { ':data': data }),
    },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

/** What a release records of the hold it ends, for waiters to time their polls by (`src/acquire/wait-policy.ts`). */
export interface HoldRecord {
  /** The running average of hold times, ms (`holdAverage`). */
  readonly avgHoldMs: number;
  /** This hold, ms. */
  readonly lastHoldMs: number;
}

/** Inputs of a release. */
export interface ReleaseRequest extends RequestContext {
  readonly retentionS: number;
  /** Omitted by a clean-up of an acquire that may have been applied unseen: it held nothing. */
  readonly hold?: HoldRecord | undefined;
}

/**
 * Release: turn the item into a released marker instead of deleting it, so that the fencing
 * counter survives. `expires` 0 lets Python 1.x clients acquire it; keeping our code makes a
 * retried release (response lost) succeed again. TTL removes the marker after `retentionS`.
 */
export function releaseRequest(r: ReleaseRequest): UpdateItemCommandInput {
  const h = r.hold;
  return {
    TableName: r.tableName,
    Key: r.key,
    // When it was freed, and the hold it ends (waiters time their polls by them).
    UpdateExpression: `SET #exp = :zero, #expms = :zero, #ttl = :ttl, #freed = :now${h === undefined ? '' : ', #avg = :avg, #last = :last'}`,
    ConditionExpression: '#code = :code',
    ExpressionAttributeNames: {
      ...HELD_NAMES,
      '#freed': ATTR.freedMs,
      ...(h === undefined ? {} : { '#avg': ATTR.avgHoldMs, '#last': ATTR.lastHoldMs }),
    },
    ExpressionAttributeValues: {
      ':code': { S: r.code },
      ':zero': { N: '0' },
      ':ttl': { N: String(Math.ceil(r.now / 1000) + r.retentionS) },
      ':now': { N: String(r.now) },
      ...(h === undefined
        ? {}
        : {
            ':avg': { N: String(Math.max(0, Math.round(h.avgHoldMs))) },
            ':last': { N: String(Math.max(0, Math.round(h.lastHoldMs))) },
          }),
    },
    // The item as left: the releaser's next acquire learns whether a queued waiter has the right of way.
    ReturnValues: 'ALL_NEW',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

/** Inputs of a forced release (`dynamo-dlm release --force`). */
export interface ForceReleaseRequest {
  readonly tableName: string;
  /** The item (the slot, on a 'slots' table) that was read. */
  readonly key: ItemKey;
  /** The owner code of the holder that was read and shown: only that holder is released. */
  readonly heldCode: string;
  /** The fencing token that was read; undefined for an item without one (Python 1.x). */
  readonly fencingToken: number | undefined;
  /** The owner code to write: a fresh one that no holder has. */
  readonly code: string;
  /** The writer's wall clock, epoch ms. */
  readonly now: number;
  readonly retentionS: number;
}

/**
 * Forced release: turn another holder's item into a released marker, only if it still carries
 * the owner code and fencing token that were read. If the lock changed hands in between (the
 * stuck lease ran out and a healthy process took it), the condition fails and the new holder
 * keeps its lock. Keeps `fencing_token`, so the next acquire still gets a greater token, and
 * writes a fresh owner code, so the old holder's next renewal and release fail their conditions:
 * it learns that it lost the lock instead of "releasing" it unawares.
 */
export function forceReleaseRequest(r: ForceReleaseRequest): UpdateItemCommandInput {
  const token = r.fencingToken === undefined ? 'attribute_not_exists(#token)' : '#token = :token';
  return {
    TableName: r.tableName,
    Key: r.key,
    // `freed_ms` as any release writes it: the time the lock became free.
    UpdateExpression: 'SET #exp = :zero, #expms = :zero, #code = :code, #ttl = :ttl, #freed = :now',
    ConditionExpression: `attribute_exists(#rid) AND #code = :held AND ${token}`,
    ExpressionAttributeNames: { ...NAMES, '#freed': ATTR.freedMs },
    ExpressionAttributeValues: {
      ':zero': { N: '0' },
      ':code': { S: r.code },
      ':held': { S: r.heldCode },
      ...(r.fencingToken === undefined ? {} : { ':token': { N: String(r.fencingToken) } }),
      ':ttl': { N: String(Math.ceil(r.now / 1000) + r.retentionS) },
      ':now': { N: String(r.now) },
    },
    ReturnValues: 'ALL_OLD',
  };
}
