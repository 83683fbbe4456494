import type { AttributeValue, TransactWriteItem, UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { ATTR, type ItemKey } from './attributes.js';

/**
 * Pure builders of the elements the lock puts into a `TransactWriteItems`: the check that a
 * lease is still held, and a multi-lock's acquire of each item. Nothing here talks to the
 * network; the elements are unit-tested as plain objects and proven on DynamoDB Local.
 */

/** The most actions one `TransactWriteItems` takes (DynamoDB's limit). */
export const MAX_TRANSACT_ITEMS = 100;

/** The most bytes the items of one `TransactWriteItems` may add up to (DynamoDB's limit: 4 MB). */
export const MAX_TRANSACT_BYTES = 4 * 1024 * 1024;

/** One held item: its table, its key (slot included), and the owner code of the lease on it. */
export interface HeldItem {
  readonly tableName: string;
  readonly key: ItemKey;
  readonly code: string;
}

/**
 * The condition that a lease is still held: the item carries this acquisition's owner code and
 * is not a released marker. A takeover writes another code; a release keeps the code but writes
 * `expires_ms` 0; a Python 1.x PutItem writes another code and no `expires_ms`; a deleted item
 * has neither. No clock is read: the check is true exactly while nobody else can hold the item.
 */
const HELD_CONDITION = '#code = :code AND #expms > :zero';

/**
 * A `ConditionCheck` element for `TransactWriteItems` (raw attribute values, for
 * `DynamoDBClient`): the transaction commits only if, at that instant, the lease is still held.
 * It returns the item when it fails, so that the loss can name who holds it now.
 */
export function heldCheck(h: HeldItem): TransactWriteItem {
  return {
    ConditionCheck: {
      TableName: h.tableName,
      Key: h.key,
      ConditionExpression: HELD_CONDITION,
      ExpressionAttributeNames: { '#code': ATTR.releaseCode, '#expms': ATTR.expiresMs },
      ExpressionAttributeValues: { ':code': { S: h.code }, ':zero': { N: '0' } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/** A value as `@aws-sdk/lib-dynamodb` takes it: a plain string or number. */
export type NativeScalar = string | number;

/**
 * A `ConditionCheck` element in the form `@aws-sdk/lib-dynamodb`'s `TransactWriteCommand` takes
 * (plain values, which it marshals). The same check as {@link heldCheck}.
 */
export interface DocumentConditionCheck {
  readonly ConditionCheck: {
    readonly TableName: string;
    readonly Key: Record<string, NativeScalar>;
    readonly ConditionExpression: string;
    readonly ExpressionAttributeNames: Record<string, string>;
    readonly ExpressionAttributeValues: Record<string, NativeScalar>;
    readonly ReturnValuesOnConditionCheckFailure: 'ALL_OLD';
  };
}

/** A key or value map of the lock's own (strings and numbers only) in plain values. */
function plain(map: Record<string, AttributeValue>): Record<string, NativeScalar> {
  return Object.fromEntries(
    Object.entries(map).map(([name, value]) => [name, value.S ?? Number(value.N as string)] as const),
  );
}

/** {@link heldCheck} in the document client's form. */
export function documentHeldCheck(h: HeldItem): DocumentConditionCheck {
  const raw = heldCheck(h).ConditionCheck as NonNullable<TransactWriteItem['ConditionCheck']>;
  return {
    ConditionCheck: {
      TableName: h.tableName,
      Key: plain(h.key),
      ConditionExpression: HELD_CONDITION,
      ExpressionAttributeNames: raw.ExpressionAttributeNames as Record<string, string>,
      ExpressionAttributeValues: plain(raw.ExpressionAttributeValues as Record<string, AttributeValue>),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/**
 * An acquire as a multi-lock sends it: the single lock's acquire request (`acquireRequest`),
 * unchanged but for what a transaction does not take (`ReturnValues`), so that its items are
 * the single lock's items under the single lock's condition.
 *
 * With `fresh`, the condition also requires the item to be free of any holder: missing, or a
 * released marker. A transaction returns no old item on success, so this is how a multi-lock
 * learns that it took over a lease its holder never released: such an item refuses the fresh
 * form first, and the next attempt sends the plain form for it and reports `tookOver`. Its own
 * placeholders keep it independent of the builder's.
 */
export function acquireUpdate(request: UpdateItemCommandInput, fresh: boolean): TransactWriteItem {
  const { TableName, Key, UpdateExpression, ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues } =
    request;
  if (TableName === undefined || Key === undefined || UpdateExpression === undefined) {
    throw new TypeError('an acquire request has a table, a key and an update');
  }
  const names = { ...ExpressionAttributeNames };
  const values = { ...ExpressionAttributeValues };
  let condition = ConditionExpression;
  if (fresh) {
    condition = `(${condition}) AND (attribute_not_exists(#freshRid) OR #freshExpms = :freshZero)`;
    names['#freshRid'] = ATTR.resourceId;
    names['#freshExpms'] = ATTR.expiresMs;
    values[':freshZero'] = { N: '0' };
  }
  return {
    Update: {
      TableName,
      Key,
      UpdateExpression,
      ...(condition === undefined ? {} : { ConditionExpression: condition }),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/**
 * What a multi-lock reads right after its acquire (a transaction returns no values): each
 * item's owner code (to confirm it is ours), its fencing token, and the running average of
 * holds its release updates. A strongly consistent `BatchGetItem`: one request, one read unit per item.
 */
export function tokenRead(tableName: string, keys: readonly ItemKey[]) {
  return {
    RequestItems: {
      [tableName]: {
        Keys: [...keys],
        ConsistentRead: true,
        ProjectionExpression: '#rid, #sid, #code, #token, #avg',
        ExpressionAttributeNames: {
          '#rid': ATTR.resourceId,
          '#sid': ATTR.concurrencyId,
          '#code': ATTR.releaseCode,
          '#token': ATTR.fencingToken,
          '#avg': ATTR.avgHoldMs,
        },
      },
    },
  };
}

/**
 * The size of the items a transaction writes, as DynamoDB counts it towards its 4 MB limit:
 * attribute names and values, strings in UTF-8 bytes, numbers at most 21 bytes. An upper bound
 * of what an update can make the item, counted from the key and the values it writes.
 */
export function transactBytes(items: readonly TransactWriteItem[]): number {
  let bytes = 0;
  for (const item of items) {
    const action = item.Put ?? item.Update ?? item.Delete ?? item.ConditionCheck;
    bytes += mapBytes(item.Put?.Item ?? (item.Update ?? item.Delete ?? item.ConditionCheck)?.Key ?? {});
    bytes += mapBytes(action?.ExpressionAttributeValues ?? {});
    for (const name of Object.values(action?.ExpressionAttributeNames ?? {})) bytes += Buffer.byteLength(name, 'utf8');
  }
  return bytes;
}

function mapBytes(map: Record<string, AttributeValue>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(map)) bytes += Buffer.byteLength(name, 'utf8') + valueBytes(value);
  return bytes;
}

function valueBytes(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S, 'utf8');
  if (v.N !== undefined) return 21;
  if (v.B !== undefined) return v.B.byteLength;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS !== undefined) return v.SS.reduce((n, s) => n + Buffer.byteLength(s, 'utf8'), 0);
  if (v.NS !== undefined) return 21 * v.NS.length;
  if (v.BS !== undefined) return v.BS.reduce((n, b) => n + b.byteLength, 0);
  if (v.L !== undefined) return 3 + v.L.reduce((n, x) => n + 1 + valueBytes(x), 0);
  if (v.M !== undefined) return 3 + mapBytes(v.M);
  return 0;
}
