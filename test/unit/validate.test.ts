import { describe, expect, test } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import {
  checkNonNegativeSeconds,
  checkResourceId,
  checkSeconds,
  checkTableName,
  MAX_TIMER_MS,
  MAX_TIMER_SECONDS,
} from '../../src/options/validate.js';

describe('seconds: at most what a Node timer holds', () => {
  test('the limit is setTimeout’s: 2^31-1 ms', () => {
    expect(MAX_TIMER_MS).toBe(2_147_483_647);
    expect(MAX_TIMER_SECONDS).toBe(2_147_483.647);
  });

  test('a longer delay really does fire at once (why the limit exists)', async () => {
    // Node warns (TimeoutOverflowWarning) and uses 1 ms; keep that warning out of the test output.
    const listeners = process.listeners('warning');
    process.removeAllListeners('warning');
    try {
      const fired = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(true), MAX_TIMER_MS + 1);
        setTimeout(() => {
          clearTimeout(timer);
          resolve(false);
        }, 200);
      });
      expect(fired).toBe(true);
    } finally {
      for (const listener of listeners) process.on('warning', listener);
    }
  });

  test.each([checkSeconds, checkNonNegativeSeconds])('%o accepts the limit exactly, and not 1 ms more', (check) => {
    expect(check(MAX_TIMER_SECONDS, 'duration')).toBe(MAX_TIMER_MS);
    expect(() => check(MAX_TIMER_SECONDS + 0.001, 'duration')).toThrow(InvalidArgumentError);
    expect(() => check(30 * 86_400, 'duration')).toThrow(/2147483\.647, the longest delay a Node timer holds/);
  });

  test('a caller may set another maximum (retention is not a timer)', () => {
    expect(checkSeconds(30 * 86_400, 'retention', 366 * 86_400)).toBe(30 * 86_400_000);
    expect(() => checkSeconds(400 * 86_400, 'retention', 366 * 86_400)).toThrow(/0\.001 to 31622400\)/);
  });
});

describe('resource ids and table names: well-formed strings only', () => {
  test.each([
    ['a lone high surrogate', 'job-\uD800'],
    ['a lone low surrogate', '\uDC00job'],
    ['a reversed pair', '\uDE00\uD83D'],
  ])('%s is rejected with a typed error', (_what, id) => {
    expect(() => checkResourceId(id)).toThrow(InvalidArgumentError);
    expect(() => checkResourceId(id)).toThrow(/well-formed/);
  });

  test('a lone surrogate would otherwise meet another id in one item: both encode as U+FFFD', () => {
    expect(Buffer.from('a\uD800', 'utf8').equals(Buffer.from('a\uDBFF', 'utf8'))).toBe(true);
  });

  test('paired surrogates (emoji) and other scripts are fine', () => {
    expect(checkResourceId('job-😀-日本-é')).toBe('job-😀-日本-é');
  });

  test('a table name with a lone surrogate is rejected too', () => {
    expect(() => checkTableName('locks\uD800')).toThrow(InvalidArgumentError);
  });
});
