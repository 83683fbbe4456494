import { describe, expect, test } from 'vitest';
import * as api from '../../src/errors.js';
import { DynamoDlmError } from '../../src/errors.js';
import * as index from '../../src/index.js';

/** Every error class the package defines (src/errors.ts), with the code and constructor arguments it takes. */
const CLASSES: [string, string, (Class: new (...args: never[]) => DynamoDlmError) => DynamoDlmError][] = [
  ['InvalidArgumentError', 'INVALID_ARGUMENT', (C) => new (C as typeof api.InvalidArgumentError)('m')],
  ['LockNotAcquiredError', 'LOCK_NOT_ACQUIRED', (C) => new (C as typeof api.LockNotAcquiredError)('m')],
  ['AlreadyAcquiredError', 'ALREADY_ACQUIRED', (C) => new (C as typeof api.AlreadyAcquiredError)('m')],
  ['LockLostError', 'LOCK_LOST', (C) => new (C as typeof api.LockLostError)('r', 'taken', 'm')],
  ['LockUnavailableError', 'LOCK_UNAVAILABLE', (C) => new (C as typeof api.LockUnavailableError)('r', 'm')],
  ['AbortedError', 'ABORTED', (C) => new (C as typeof api.AbortedError)('m')],
  ['ThrottledError', 'THROTTLED', (C) => new (C as typeof api.ThrottledError)('m')],
  ['TableNotFoundError', 'TABLE_NOT_FOUND', (C) => new (C as typeof api.TableNotFoundError)('t')],
  ['DynamoDbError', 'DYNAMODB_ERROR', (C) => new (C as typeof api.DynamoDbError)('m')],
  ['LockReleasedError', 'LOCK_RELEASED', (C) => new (C as typeof api.LockReleasedError)('r', 'm')],
  ['LeaseTooShortError', 'LEASE_TOO_SHORT', (C) => new (C as typeof api.LeaseTooShortError)('r', 'm')],
  ['MisconfiguredError', 'MISCONFIGURED', (C) => new (C as typeof api.MisconfiguredError)('m')],
  ['UnreachableError', 'UNREACHABLE', (C) => new (C as typeof api.UnreachableError)('m')],
  [
    'TransactionsUnsupportedError',
    'TRANSACTIONS_UNSUPPORTED',
    (C) => new (C as typeof api.TransactionsUnsupportedError)('m'),
  ],
];

describe('error classes', () => {
  test('the list above is every error class defined', () => {
    const exported = Object.entries(api)
      .filter(([, value]) => typeof value === 'function' && value.prototype instanceof DynamoDlmError)
      .map(([name]) => name)
      .sort();
    expect(exported).toEqual(CLASSES.map(([name]) => name).sort());
  });

  test('every one is exported, so callers can match it with instanceof', () => {
    const exported = new Set(Object.keys(index));
    expect(CLASSES.map(([name]) => name).filter((name) => !exported.has(name))).toEqual([]);
  });

  test.each(CLASSES)('%s: a DynamoDlmError with code %s and its literal name', (name, code, make) => {
    const Class = (api as unknown as Record<string, new (...args: never[]) => DynamoDlmError>)[name];
    if (Class === undefined) throw new Error(`${name} is not exported`);
    const error = make(Class);
    expect(error).toBeInstanceOf(DynamoDlmError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect(error.name).toBe(name);
    expect(String(error)).toBe(`${name}: ${error.message}`);
  });

  test('names survive a minifier renaming the classes', () => {
    const renamed = CLASSES.map(([name]) => (api as unknown as Record<string, () => void>)[name] as () => void);
    renamed.push(DynamoDlmError as unknown as () => void);
    const original = renamed.map((Class) => Class.name);
    try {
      // What a minifier does: the class is the same, its `name` a letter.
      for (const Class of renamed) Object.defineProperty(Class, 'name', { value: 'a' });
      for (const [name, , make] of CLASSES) {
        const Class = (api as unknown as Record<string, new (...args: never[]) => DynamoDlmError>)[name];
        expect(make(Class as never).name).toBe(name);
      }
      expect(new (DynamoDlmError as unknown as new (c: string, m: string) => Error)('ABORTED', 'm').name).toBe(
        'DynamoDlmError',
      );
    } finally {
      renamed.forEach((Class, i) => {
        Object.defineProperty(Class, 'name', { value: original[i] });
      });
    }
  });
});

describe('isDynamoDlmError', () => {
  test.each(CLASSES)('%s: matches without a code, with its own code, and with no other', (name, code, make) => {
    const Class = (api as unknown as Record<string, new (...args: never[]) => DynamoDlmError>)[name];
    const error = make(Class as never);
    expect(api.isDynamoDlmError(error)).toBe(true);
    expect(api.isDynamoDlmError(error, code as api.ErrorCode)).toBe(true);
    const others = CLASSES.map(([, c]) => c).filter((c) => c !== code);
    expect(others.filter((c) => api.isDynamoDlmError(error, c as api.ErrorCode))).toEqual([]);
  });

  test('anything else is not one, whatever its code says', () => {
    const lookalike = Object.assign(new Error('m'), { code: 'LOCK_LOST', reason: 'taken' });
    for (const value of [lookalike, new Error('m'), undefined, null, 'LOCK_LOST', { code: 'LOCK_LOST' }]) {
      expect(api.isDynamoDlmError(value)).toBe(false);
      expect(api.isDynamoDlmError(value, 'LOCK_LOST')).toBe(false);
    }
  });

  test('a code that is no error code is an InvalidArgumentError, not a silent false', () => {
    const error = new api.LockLostError('r', 'taken', 'm');
    expect(() => api.isDynamoDlmError(error, 'LOCK_LSOT' as api.ErrorCode)).toThrow(api.InvalidArgumentError);
    expect(() => api.isDynamoDlmError(error, 'toString' as api.ErrorCode)).toThrow(/LOCK_LOST/);
  });
});
