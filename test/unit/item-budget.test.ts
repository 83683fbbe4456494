import { hostname } from 'node:os';
import { describe, expect, test } from 'vitest';
import { ATTR } from '../../src/item/attributes.js';
import {
  dataBudget,
  defaultOwner,
  HOLDER_BYTES,
  MAX_OWNER_BYTES,
  OWN_ATTRIBUTES_BYTES,
  WRITE_UNIT_BYTES,
} from '../../src/item/budget.js';
import { checkData, checkOwner } from '../../src/options/validate.js';

/**
 * The largest number the lock writes: every one is a safe integer (epoch ms, tickets, tokens,
 * averages rounded to ms), at most 16 significant digits, which DynamoDB stores in 1 + 16 / 2
 * bytes. (Its largest number of all, 38 digits, takes 21.)
 */
const MAX_NUMBER_BYTES = 9;
/** The longest owner code written: 32 hex characters (a forced release writes 31). */
const MAX_CODE_BYTES = 32;

describe('the item budget', () => {
  test('the reserve covers every attribute the lock writes, at its largest', () => {
    // Every name counts; every value but the id, owner and data (measured by the caller's
    // budget) is a number, except the owner code. A new attribute in ATTR is counted here, so
    // one that outgrows the reserve fails this test instead of silently costing a second unit.
    const names = Object.values(ATTR).reduce((sum, name) => sum + Buffer.byteLength(name), 0);
    const caller = new Set<string>([ATTR.resourceId, ATTR.owner, ATTR.data]);
    const values = Object.values(ATTR)
      .filter((name) => !caller.has(name))
      .reduce((sum, name) => sum + (name === ATTR.releaseCode ? MAX_CODE_BYTES : MAX_NUMBER_BYTES), 0);
    expect(names + values).toBeLessThanOrEqual(OWN_ATTRIBUTES_BYTES);
    expect(HOLDER_BYTES).toBe(WRITE_UNIT_BYTES - OWN_ATTRIBUTES_BYTES);
    expect(HOLDER_BYTES).toBe(640);
  });

  test('data gets what the resource id and owner leave of 640 bytes, counted in UTF-8', () => {
    expect(dataBudget('job', 'host:1')).toBe(640 - 3 - 6);
    expect(dataBudget('€', 'w')).toBe(640 - 3 - 1);
    expect(dataBudget('x'.repeat(700), 'w')).toBeLessThan(0);
  });
});

describe('owner', () => {
  test('the default names the host and process', () => {
    expect(defaultOwner('ip-10-0-0-12', 4242)).toBe('ip-10-0-0-12:4242');
    expect(defaultOwner()).toBe(`${hostname()}:${process.pid}`);
  });

  test('an odd host name never makes the default invalid: cut to 128 bytes on whole characters, controls dropped', () => {
    const long = defaultOwner('h'.repeat(300), 123);
    expect(Buffer.byteLength(long)).toBe(MAX_OWNER_BYTES);
    expect(long.endsWith(':123')).toBe(true);
    const wide = defaultOwner('€'.repeat(100), 1);
    expect(Buffer.byteLength(wide)).toBeLessThanOrEqual(MAX_OWNER_BYTES);
    expect(wide).toMatch(/^€+:1$/);
    expect(defaultOwner('a\nb\u0000', 9)).toBe('ab:9');
    expect(defaultOwner('', 9)).toBe('unknown-host:9');
    for (const owner of [long, wide, defaultOwner('a\nb', 9)]) expect(checkOwner(owner)).toBe(owner);
  });

  test.each([
    ['empty', ''],
    ['a number', 7],
    ['null', null],
    ['129 bytes', 'o'.repeat(129)],
    ['43 three-byte characters (129 bytes)', '€'.repeat(43)],
    ['a lone surrogate', 'worker-\uD800'],
    ['a newline', 'worker\n7'],
    ['a C1 control', 'worker\u00857'],
  ])('refuses %s with an InvalidArgumentError naming the option', (_what, value) => {
    expect(() => checkOwner(value)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('`owner`') }),
    );
  });

  test('accepts 128 bytes, and emoji (surrogate pairs)', () => {
    expect(checkOwner('o'.repeat(128))).toHaveLength(128);
    expect(checkOwner('worker-🦆')).toBe('worker-🦆');
  });
});

describe('data', () => {
  test('a string up to the budget, counted in UTF-8 bytes; one byte more is refused with the arithmetic', () => {
    const budget = dataBudget('job', 'w');
    expect(checkData('d'.repeat(budget), 'job', 'w')).toHaveLength(budget);
    expect(() => checkData('d'.repeat(budget + 1), 'job', 'w')).toThrow(
      /at most 636 UTF-8 bytes, got 637 bytes: the resource id \(3 bytes\), the owner \(1 bytes\) and the data may take 640 bytes together/,
    );
    expect(() => checkData('€'.repeat(213), 'job', 'w')).toThrow(/got 639 bytes/);
    expect(checkData('', 'job', 'w')).toBe('');
  });

  test.each([
    ['a number', 42],
    ['an object (JSON.stringify it)', { step: 1 }],
    ['null', null],
    ['a lone surrogate', 'x\uDC00'],
  ])('refuses %s', (_what, value) => {
    expect(() => checkData(value, 'job', 'w')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  test('no room at all when the id and owner take it', () => {
    expect(() => checkData('x', 'i'.repeat(640), 'w')).toThrow(/at most 0 UTF-8 bytes/);
  });
});
