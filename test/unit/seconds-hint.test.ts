import { afterEach, describe, expect, test, vi } from 'vitest';
import { defaults, resetDefaults } from '../../src/defaults.js';
import { DynamoDbLock } from '../../src/lock.js';
import { resolveLockOptions } from '../../src/options/lock-options.js';
import { hintIfMilliseconds, looksLikeMilliseconds, resetSecondsHints } from '../../src/options/seconds-hint.js';
import type { Logger } from '../../src/runtime/logger.js';

function spyLogger() {
  return {
    debug: vi.fn<Logger['debug']>(),
    info: vi.fn<Logger['info']>(),
    warn: vi.fn<Logger['warn']>(),
    error: vi.fn<Logger['error']>(),
  };
}

afterEach(() => {
  resetSecondsHints();
  resetDefaults();
});

describe('looksLikeMilliseconds', () => {
  test('whole thousands from 1000 up look like milliseconds; everything else like seconds', () => {
    expect([1000, 5000, 30_000, 60_000, 300_000, 2_000_000].filter(looksLikeMilliseconds)).toHaveLength(6);
    expect([0.5, 10, 30, 999, 1500, 1800, 3600, 7200, 86_400, 1000.5].filter(looksLikeMilliseconds)).toEqual([]);
  });
});

describe('hintIfMilliseconds', () => {
  test('warns once per option, naming the option, the length it makes and the value meant', () => {
    const logger = spyLogger();
    hintIfMilliseconds('duration', 30_000, logger);
    hintIfMilliseconds('duration', 60_000, logger);
    hintIfMilliseconds('renewInterval', 5000, logger);
    expect(logger.warn).toHaveBeenCalledTimes(2);
    expect(logger.warn.mock.calls[0]?.[0]).toBe(
      '`duration` is 30000 seconds (8.3 hours): lock times are seconds, not milliseconds. If you meant 30 s, pass 30. (Said once per process.)',
    );
    expect(logger.warn.mock.calls[1]?.[0]).toMatch(/^`renewInterval` is 5000 seconds \(83 minutes\).* pass 5\./);
  });

  test('spells a long result in days', () => {
    const logger = spyLogger();
    hintIfMilliseconds('retention', 300_000, logger);
    expect(logger.warn.mock.calls[0]?.[0]).toMatch(/^`retention` is 300000 seconds \(3\.5 days\).* pass 300\./);
  });

  test('says nothing of seconds', () => {
    const logger = spyLogger();
    for (const seconds of [10, 30, 3600, 86_400]) hintIfMilliseconds('duration', seconds, logger);
    expect(logger.warn).not.toHaveBeenCalled();
  });
});

describe('lock options', () => {
  test('a lock of `duration: 30000` warns through its logger once, and keeps the 30000 s lease', () => {
    const logger = spyLogger();
    const lock = new DynamoDbLock('r', { duration: 30_000, logger });
    new DynamoDbLock('r', { duration: 30_000, logger });
    expect(lock.duration).toBe(30_000);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0]?.[0]).toMatch(/^`duration` is 30000 seconds/);
  });

  test('every time option is looked at, and a default duration set in milliseconds too', () => {
    const logger = spyLogger();
    defaults.duration = 60_000;
    resolveLockOptions({
      logger,
      safetyMargin: 2000,
      renewInterval: 3000,
      clockSkewAllowance: 1000,
      retention: 86_400, // a day in seconds: no hint
      maxPollInterval: 2000,
    });
    const names = logger.warn.mock.calls.map(([message]) => String(message).split('`')[1]);
    expect(names).toEqual([
      'defaults.duration',
      'clockSkewAllowance',
      'safetyMargin',
      'renewInterval',
      'maxPollInterval',
    ]);
  });

  test('`logger: false` silences it, and a logger that throws cannot stop the construction', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      new DynamoDbLock('r', { duration: 30_000, logger: false });
      expect(warn).not.toHaveBeenCalled();
      const throwing = { ...spyLogger(), warn: () => Promise.reject(new Error('transport full')) };
      resetSecondsHints();
      expect(new DynamoDbLock('r', { duration: 30_000, logger: throwing }).duration).toBe(30_000);
      const sync = {
        ...spyLogger(),
        warn: () => {
          throw new Error('broken');
        },
      };
      resetSecondsHints();
      expect(new DynamoDbLock('r', { duration: 30_000, logger: sync }).duration).toBe(30_000);
    } finally {
      warn.mockRestore();
    }
  });
});
