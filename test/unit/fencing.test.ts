import { describe, expect, test } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { fencedWrite } from '../../src/fencing.js';

describe('fencedWrite', () => {
  test('raw: a token at least as large as the stored one, the SET clause and the item attribute', () => {
    expect(fencedWrite(1_700_000_000_000_001)).toEqual({
      ConditionExpression: 'attribute_not_exists(#dlmFence) OR #dlmFence <= :dlmFence',
      ExpressionAttributeNames: { '#dlmFence': 'fencing_token' },
      ExpressionAttributeValues: { ':dlmFence': { N: '1700000000000001' } },
      set: '#dlmFence = :dlmFence',
      item: { fencing_token: { N: '1700000000000001' } },
    });
  });

  test('document form and an attribute of your own (one per slot of a semaphore)', () => {
    expect(fencedWrite(7, { form: 'document', attribute: 'token_slot_2' })).toEqual({
      ConditionExpression: 'attribute_not_exists(#dlmFence) OR #dlmFence <= :dlmFence',
      ExpressionAttributeNames: { '#dlmFence': 'token_slot_2' },
      ExpressionAttributeValues: { ':dlmFence': 7 },
      set: '#dlmFence = :dlmFence',
      item: { token_slot_2: 7 },
    });
  });

  test.each([
    ['undefined (never acquired)', undefined, /never acquired/],
    ['zero', 0, /positive safe integer/],
    ['a fraction', 1.5, /positive safe integer/],
    ['beyond safe integers', 2 ** 53, /positive safe integer/],
    ['a string', '5', /positive safe integer/],
  ])('rejects a token that is %s', (_what, token, message) => {
    expect(() => fencedWrite(token as number)).toThrow(InvalidArgumentError);
    expect(() => fencedWrite(token as number)).toThrow(message);
  });

  test('rejects bad options', () => {
    expect(() => fencedWrite(1, { attribute: '' })).toThrow(/`attribute` to be a non-empty string/);
    expect(() => fencedWrite(1, { form: 'json' } as never)).toThrow(/`form` to be 'raw' or 'document'/);
    expect(() => fencedWrite(1, { atribute: 'x' } as never)).toThrow(/Unknown option `atribute`/);
  });
});
