import { describe, expect, test } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { checkNotOnLockItems, checkResourceIds, checkTransactItems } from '../../src/transaction/transact-validate.js';

describe('checkResourceIds', () => {
  test('1 to 100 distinct, valid ids, frozen', () => {
    const ids = checkResourceIds(['a', 'b']);
    expect(ids).toEqual(['a', 'b']);
    expect(Object.isFrozen(ids)).toBe(true);
    expect(checkResourceIds(Array.from({ length: 100 }, (_, i) => `r${i}`))).toHaveLength(100);
  });

  test.each([
    ['an empty list', [], /at least one resource id, got an empty array/],
    ['101 ids', Array.from({ length: 101 }, (_, i) => `r${i}`), /at most 100 resource ids .* got 101/],
    ['a duplicate', ['a', 'b', 'a'], /distinct, got "a" at 0 and 2/],
    ['not an array', 'a', /an array of resource ids, got string/],
    ['an empty id', ['a', ''], /`resourceIds\[1\]` to be a non-empty string/],
    ['a lone surrogate', ['a', '\uD800'], /`resourceIds\[1\]` to be a well-formed string/],
  ])('rejects %s', (_what, value, message) => {
    expect(() => checkResourceIds(value)).toThrow(InvalidArgumentError);
    expect(() => checkResourceIds(value)).toThrow(message);
  });
});

describe('checkTransactItems', () => {
  const raw = { Put: { TableName: 't', Item: { id: { S: 'x' }, n: { N: '1' }, m: { M: { a: { S: 'b' } } } } } };
  const doc = { Put: { TableName: 't', Item: { id: 'x', n: 1 } } };

  test('raw items pass in the raw form; plain values pass in the document form only', () => {
    expect(checkTransactItems([raw], 'raw', 1)).toEqual([raw]);
    expect(checkTransactItems([doc], 'document', 1)).toEqual([doc]);
    expect(() => checkTransactItems([doc], 'raw', 1)).toThrow(
      /items\[0\]\.Put\.Item\.id.*got "x" \(string\).*document client's form/,
    );
    expect(checkTransactItems([], 'raw', 1)).toEqual([]);
  });

  test.each([
    [
      'a number',
      { Update: { TableName: 't', Key: { id: { S: 'x' } }, ExpressionAttributeValues: { ':v': 3 } } },
      /ExpressionAttributeValues\.:v.*got 3 \(number\)/,
    ],
    [
      'an object without a type',
      { Delete: { TableName: 't', Key: { id: { name: 'x' } } } },
      /Key\.id.*without a type member/,
    ],
    ['two type members', { Delete: { TableName: 't', Key: { id: { S: 'x', N: '1' } } } }, /Key\.id/],
    ['null', { ConditionCheck: { TableName: 't', Key: { id: null } } }, /Key\.id.*got null/],
    ['a list of plain values', { Put: { TableName: 't', Item: { id: ['x'] } } }, /Item\.id.*got an array/],
    ['a key that is not a map', { Delete: { TableName: 't', Key: 'x' } }, /`items\[0\]\.Delete\.Key` to be a map/],
  ])('rejects %s where a raw attribute value belongs', (_what, item, message) => {
    expect(() => checkTransactItems([item], 'raw', 1)).toThrow(message);
  });

  test.each([
    ['not an array', { Put: {} }, /an array of TransactWriteItems elements/],
    ['an item that is not an object', ['x'], /`items\[0\]` to be an object/],
    ['no action', [{}], /exactly one of Put, Update, Delete, ConditionCheck, got none/],
    ['two actions', [{ Put: { TableName: 't' }, Delete: { TableName: 't' } }], /got Put and Delete/],
    ['no table', [{ Put: { Item: {} } }], /`items\[0\]\.Put` to be an object with a `TableName`/],
  ])('rejects %s', (_what, value, message) => {
    expect(() => checkTransactItems(value, 'document', 1)).toThrow(message);
  });

  test('at most 100 actions with the lock’s own checks', () => {
    expect(
      checkTransactItems(
        Array.from({ length: 98 }, () => raw),
        'raw',
        2,
      ),
    ).toHaveLength(98);
    expect(() =>
      checkTransactItems(
        Array.from({ length: 99 }, () => raw),
        'raw',
        2,
      ),
    ).toThrow(/at most 98 `items` .* the lock adds 2\), got 99/);
  });
});

describe('checkNotOnLockItems', () => {
  const lockItem = { tableName: 'locks', key: { resource_id: { S: 'job' }, concurrency_id: { N: '1' } } };

  test.each([
    [
      'a Put of the lock item',
      { Put: { TableName: 'locks', Item: { concurrency_id: { N: '1' }, resource_id: { S: 'job' }, x: { S: 'y' } } } },
    ],
    [
      'an Update of it',
      { Update: { TableName: 'locks', Key: { resource_id: { S: 'job' }, concurrency_id: { N: '1' } } } },
    ],
    [
      'a Delete of it, in the document form',
      { Delete: { TableName: 'locks', Key: { resource_id: 'job', concurrency_id: 1 } } },
    ],
  ])('rejects %s', (_what, item) => {
    expect(() => checkNotOnLockItems([{ Put: { TableName: 'data', Item: {} } }, item], [lockItem])).toThrow(
      /`items\[1\]` not to touch the lock item/,
    );
  });

  test('passes other slots, other resources and other tables', () => {
    const items = [
      { Update: { TableName: 'locks', Key: { resource_id: { S: 'job' }, concurrency_id: { N: '2' } } } },
      { Update: { TableName: 'locks', Key: { resource_id: { S: 'other' }, concurrency_id: { N: '1' } } } },
      { Put: { TableName: 'data', Item: { resource_id: { S: 'job' }, concurrency_id: { N: '1' } } } },
    ];
    expect(() => checkNotOnLockItems(items, [lockItem])).not.toThrow();
  });
});
