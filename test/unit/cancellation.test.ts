import { describe, expect, test } from 'vitest';
import { TransactionsUnsupportedError } from '../../src/errors.js';
import { cancellationReasons, unsupported, verdict } from '../../src/transaction/cancellation.js';

const cancelled = (reasons: unknown) =>
  Object.assign(new Error('cancelled'), { name: 'TransactionCanceledException', CancellationReasons: reasons });

describe('cancellationReasons', () => {
  test('one reason per item sent, with the item where it came back', () => {
    const item = { release_code: { S: 'x' } };
    expect(
      cancellationReasons(cancelled([{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Item: item, Message: 'm' }])),
    ).toEqual([
      { code: 'None', item: undefined },
      { code: 'ConditionalCheckFailed', item },
    ]);
  });

  test('any other error has none; a cancellation without reasons has an empty list; junk reads as nothing', () => {
    expect(cancellationReasons(new Error('x'))).toBeUndefined();
    expect(cancellationReasons({ name: 'ConditionalCheckFailedException' })).toBeUndefined();
    expect(cancellationReasons(null)).toBeUndefined();
    expect(cancellationReasons(cancelled(undefined))).toEqual([]);
    expect(cancellationReasons(cancelled([null, { Code: 3, Item: 'x' }]))).toEqual([
      { code: undefined, item: undefined },
      { code: undefined, item: undefined },
    ]);
  });
});

describe('verdict', () => {
  const r = (...codes: (string | undefined)[]) => codes.map((code) => ({ code, item: undefined }));

  test('a failed condition outweighs throttling, which outweighs a conflict', () => {
    expect(verdict(r('None', 'ConditionalCheckFailed', 'TransactionConflict', 'ConditionalCheckFailed'))).toEqual({
      kind: 'condition',
      failed: [1, 3],
    });
    expect(verdict(r('TransactionConflict', 'ThrottlingError'))).toEqual({ kind: 'throttled' });
    expect(verdict(r('ProvisionedThroughputExceeded'))).toEqual({ kind: 'throttled' });
    expect(verdict(r('None', 'TransactionConflict'))).toEqual({ kind: 'conflict' });
    expect(verdict(r('ValidationError', 'None'))).toEqual({ kind: 'other' });
    expect(verdict([])).toEqual({ kind: 'other' });
  });
});

describe('unsupported', () => {
  test("dynalite's UnknownOperationException becomes a typed error naming the cause", () => {
    const cause = Object.assign(new Error('UnknownError'), { name: 'UnknownOperationException' });
    const error = unsupported(cause);
    expect(error).toBeInstanceOf(TransactionsUnsupportedError);
    expect(error?.cause).toBe(cause);
    expect(error?.message).toMatch(/no transactions .*DynamoDB Local.*dynalite/);
    expect(unsupported(new Error('x'))).toBeUndefined();
    expect(unsupported('x')).toBeUndefined();
  });
});
