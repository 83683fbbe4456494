import type { TransactWriteItem, UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { describe, expect, test } from 'vitest';
import { itemKey } from '../../src/item/attributes.js';
import { acquireRequest } from '../../src/item/requests.js';
import {
  acquireUpdate,
  documentHeldCheck,
  heldCheck,
  MAX_TRANSACT_BYTES,
  tokenRead,
  transactBytes,
} from '../../src/item/transact-requests.js';

const acquire = (id: string, extra: Partial<Parameters<typeof acquireRequest>[0]> = {}): UpdateItemCommandInput =>
  acquireRequest({
    tableName: 'locks',
    key: itemKey('single', id, 0),
    code: 'c'.repeat(32),
    now: 1_700_000_000_000,
    durationMs: 10_000,
    skewMs: 1_000,
    retentionS: 86_400,
    owner: 'me',
    ...extra,
  });

describe('acquireUpdate: a multi-lock sends the single lock acquire as it is', () => {
  test('the plain form is the builder output without ReturnValues, which a transaction does not take', () => {
    const request = acquire('a', { data: 'x' });
    const update = acquireUpdate(request, false).Update;
    const { ReturnValues, ...rest } = request;
    expect(ReturnValues).toBe('ALL_OLD');
    expect(update).toEqual({ ...rest, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
  });

  test('the fresh form adds, with its own placeholders, that the item is missing or released', () => {
    const request = acquire('a');
    const update = acquireUpdate(request, true).Update;
    expect(update?.ConditionExpression).toBe(
      `(${request.ConditionExpression}) AND (attribute_not_exists(#freshRid) OR #freshExpms = :freshZero)`,
    );
    expect(update?.ExpressionAttributeNames).toEqual({
      ...request.ExpressionAttributeNames,
      '#freshRid': 'resource_id',
      '#freshExpms': 'expires_ms',
    });
    expect(update?.ExpressionAttributeValues).toEqual({
      ...request.ExpressionAttributeValues,
      ':freshZero': { N: '0' },
    });
    // The builder's own names and values are untouched: whatever the builder changes, the multi-lock sends.
    expect(update?.UpdateExpression).toBe(request.UpdateExpression);
    expect(update?.Key).toEqual(request.Key);
  });

  test('a request without table, key or update is a bug, not a request', () => {
    expect(() => acquireUpdate({ TableName: 'x' } as UpdateItemCommandInput, false)).toThrow(TypeError);
  });
});

describe('heldCheck', () => {
  const held = { tableName: 'locks', key: itemKey('slots', 'jobs', 2), code: 'f'.repeat(32) };

  test('raw: this owner code and not released, on the slot held, returning the item on failure', () => {
    expect(heldCheck(held)).toEqual({
      ConditionCheck: {
        TableName: 'locks',
        Key: { resource_id: { S: 'jobs' }, concurrency_id: { N: '2' } },
        ConditionExpression: '#code = :code AND #expms > :zero',
        ExpressionAttributeNames: { '#code': 'release_code', '#expms': 'expires_ms' },
        ExpressionAttributeValues: { ':code': { S: 'f'.repeat(32) }, ':zero': { N: '0' } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    });
  });

  test('document: the same check in plain values', () => {
    expect(documentHeldCheck(held)).toEqual({
      ConditionCheck: {
        TableName: 'locks',
        Key: { resource_id: 'jobs', concurrency_id: 2 },
        ConditionExpression: '#code = :code AND #expms > :zero',
        ExpressionAttributeNames: { '#code': 'release_code', '#expms': 'expires_ms' },
        ExpressionAttributeValues: { ':code': 'f'.repeat(32), ':zero': 0 },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    });
  });
});

describe('tokenRead and transactBytes', () => {
  test('one consistent read of every key, projecting what the leases need', () => {
    const keys = [itemKey('single', 'a', 0), itemKey('single', 'b', 0)];
    const read = tokenRead('locks', keys);
    expect(read.RequestItems.locks).toMatchObject({ Keys: keys, ConsistentRead: true });
    expect(Object.values(read.RequestItems.locks?.ExpressionAttributeNames ?? {}).sort()).toEqual(
      ['avg_hold_ms', 'concurrency_id', 'fencing_token', 'release_code', 'resource_id'].sort(),
    );
  });

  test('100 items of the largest ids, owner and data the lock accepts stay far below 4 MB', () => {
    // The largest item: a 2048-byte id (then no data fits) or 640 bytes of id + owner + data.
    const id = (i: number) => `${String(i).padStart(3, '0')}${'é'.repeat(1_022)}`;
    const items = Array.from({ length: 100 }, (_, i) =>
      acquireUpdate(acquire(id(i), { owner: 'o'.repeat(128) }), true),
    );
    expect(Buffer.byteLength(id(0), 'utf8')).toBe(2_047);
    const bytes = transactBytes(items);
    expect(bytes).toBeGreaterThan(100 * 2_047);
    expect(bytes).toBeLessThan(MAX_TRANSACT_BYTES / 10);
  });

  test('counts names and values of every kind', () => {
    const item: TransactWriteItem = {
      Put: {
        TableName: 't',
        Item: {
          k: { S: 'ab' },
          n: { N: '1' },
          b: { B: new Uint8Array(3) },
          t: { BOOL: true },
          l: { L: [{ S: 'x' }] },
          m: { M: { y: { NULL: true } } },
          ss: { SS: ['a', 'bc'] },
          ns: { NS: ['1', '2'] },
        },
      },
    };
    // names: k n b t l m ss ns = 10 bytes; values: 2 + 21 + 3 + 1 + (3 + 1 + 1) + (3 + 1 + 1) + 3 + 42
    expect(transactBytes([item])).toBe(10 + 2 + 21 + 3 + 1 + 5 + 5 + 3 + 42);
  });
});
