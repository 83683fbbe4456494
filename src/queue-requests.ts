import type { UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { ATTR, type ItemKey } from './item.js';

/**
 * Pure builders of the two writes a queued waiter sends besides its acquire: taking a ticket,
 * and learning where the queue stands. Both are unconditional updates of counters only (never
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
