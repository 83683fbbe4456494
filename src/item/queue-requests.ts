import type { UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { ATTR, type ItemKey } from './attributes.js';

/**
 * Pure builders of the two writes a queued waiter sends besides its acquire (taking a ticket,
 * and learning where the queue stands), and of the queue's part of the acquire's condition. Both are unconditional updates of counters only (never
 * of the lease), so they cannot disturb a holder, and both return the whole item (ALL_NEW),
 * which dynalite returns too, unlike the item of a refused write.
 */

/** Where the queue lives. */
export interface QueueTarget {
  readonly tableName: string;
  /** The lock item (a queue is kept only on a single-slot lock's item). */
  readonly key: ItemKey;
}

/**
 * Takes the next ticket: `next_ticket` + 1, answered with the whole item, whose `next_ticket` is
 * the ticket. `serving` starts at 0 when the item has none, so ticket 1 is at the head.
 * Conditional on the item existing: a ticket must not create an item without a lease end,
 * which no acquire condition (ours or Python's) would ever admit. A refusal therefore means
 * the item is gone, and the lock free.
 */
export function ticketRequest(t: QueueTarget): UpdateItemCommandInput {
  return {
    TableName: t.tableName,
    Key: t.key,
    UpdateExpression: 'SET #serving = if_not_exists(#serving, :zero) ADD #next :one',
    ConditionExpression: 'attribute_exists(#rid)',
    ExpressionAttributeNames: { '#rid': ATTR.resourceId, '#serving': ATTR.serving, '#next': ATTR.nextTicket },
    ExpressionAttributeValues: { ':zero': { N: '0' }, ':one': { N: '1' } },
    ReturnValues: 'ALL_NEW',
  };
}

/**
 * Reads the item through a write that changes nothing that exists: it only fills in missing
 * counters (after a Python 1.x client's PutItem wiped them, so the queue starts again from 0).
 * Needed where a refused write does not return the item (dynalite); the lock never reads, so
 * that a lock costs write units only. A refusal means the item is gone.
 */
export function refreshRequest(t: QueueTarget): UpdateItemCommandInput {
  return {
    TableName: t.tableName,
    Key: t.key,
    UpdateExpression: 'SET #serving = if_not_exists(#serving, :zero), #next = if_not_exists(#next, :zero)',
    ConditionExpression: 'attribute_exists(#rid)',
    ExpressionAttributeNames: { '#rid': ATTR.resourceId, '#serving': ATTR.serving, '#next': ATTR.nextTicket },
    ExpressionAttributeValues: { ':zero': { N: '0' } },
    ReturnValues: 'ALL_NEW',
  };
}

/**
 * How an acquire stands towards the queue kept in the item (`src/acquire/wait-policy.ts`): as the head
 * (`serving` is the ticket before ours), or skipping waiters that did not take a lock left free
 * for `graceMs` (`serving` is still what we saw). Either way the write sets `serving` to our ticket.
 */
export interface QueueClaim {
  readonly ticket: number;
  readonly skip?: { readonly seen: number; readonly graceMs: number };
}

/**
 * The parts of the acquire condition that judge the holder and the queue. DynamoDB conditions
 * have no arithmetic, so the constants (the ticket before ours, the grace cut-off) are computed
 * here from what the waiter last saw.
 */
export function admission(
  r: { readonly now: number; readonly queue?: QueueClaim | undefined; readonly graceMs?: number | undefined },
  cutoff: number,
) {
  const q = r.queue;
  if (q === undefined) {
    // No ticket: a free lock, and no queue pending (a missing counter compares false, so NOT
    // admits an item without one: written by Python 1.x or before the queue existed).
    const plain = {
      expired: '#expms <= :cutms AND NOT #next > #serving',
      python: '#exp <= :cuts AND NOT #next > #serving',
      names: { '#next': ATTR.nextTicket, '#serving': ATTR.serving },
      values: { ':cutms': { N: String(cutoff) }, ':cuts': { N: String(Math.floor(cutoff / 1000)) } },
      stale: '',
      set: '',
    };
    if (r.graceMs === undefined) return plain;
    const leaseCut = cutoff - r.graceMs;
    return {
      ...plain,
      stale:
        ' OR (NOT #code = :code AND #expms <= :gcutms AND NOT #freed > :gcutf) OR (NOT #code = :code AND attribute_not_exists(#expms) AND #exp <= :gcuts)',
      set: ', #serving = if_not_exists(#next, :zero)',
      values: {
        ...plain.values,
        ':gcutms': { N: String(leaseCut) },
        ':gcutf': { N: String(r.now - r.graceMs) },
        ':gcuts': { N: String(Math.floor(leaseCut / 1000)) },
      },
    };
  }
  const mine = { ':mine': { N: String(q.ticket) } };
  const set = ', #serving = :mine';
  if (q.skip === undefined) {
    return {
      stale: '',
      set,
      expired: '#expms <= :cutms AND #serving = :prev',
      python: '#exp <= :cuts AND #serving = :prev',
      names: { '#serving': ATTR.serving },
      values: {
        ':cutms': { N: String(cutoff) },
        ':cuts': { N: String(Math.floor(cutoff / 1000)) },
        ':prev': { N: String(q.ticket - 1) },
        ...mine,
      },
    };
  }
  // Free for longer than the grace: since its release (`freed_ms`, missing on a marker from an
  // older client: NOT admits it; the grace includes the skew allowance, as `freed_ms` is another
  // writer's clock), or since its lease ran out (its end plus the skew; `freed_ms` is 0 while held).
  const leaseCut = cutoff - q.skip.graceMs;
  return {
    stale: '',
    set,
    expired: '#expms <= :gcutms AND NOT #freed > :gcutf AND #serving = :seen',
    python: '#exp <= :gcuts AND #serving = :seen',
    names: { '#serving': ATTR.serving, '#freed': ATTR.freedMs },
    values: {
      ':gcutms': { N: String(leaseCut) },
      ':gcutf': { N: String(r.now - q.skip.graceMs) },
      ':gcuts': { N: String(Math.floor(leaseCut / 1000)) },
      ':seen': { N: String(q.skip.seen) },
      ...mine,
    },
  };
}
