import { afterEach, describe, expect, test } from 'vitest';
import { defaults, resetDefaults } from '../../src/defaults.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { DynamoDbLock } from '../../src/lock.js';
import { resolveAcquireOptions } from '../../src/options/acquire-options.js';
import { resolveLockOptions } from '../../src/options/lock-options.js';
import { MAX_TIMER_SECONDS } from '../../src/options/validate.js';
import { consoleWarnings, resolveLogger, silentLogger } from '../../src/runtime/logger.js';

const DAYS_30 = 30 * 86_400;

afterEach(() => resetDefaults());

describe('resolveLockOptions', () => {
  test('built-in defaults', () => {
    const o = resolveLockOptions(undefined);
    expect(o).toMatchObject({
      durationMs: 10_000,
      tableName: 'dynamo_dlm_locks',
      client: undefined,
      autoRenew: false,
      skewMs: 1_000,
      marginMs: 2_000,
      renewMs: 3_333,
      // A day, plus two clock allowances of 3 s (ttlClockPadMs).
      retentionS: 86_406,
      hooks: undefined,
    });
  });

  test('module defaults are read at construction, and instance options beat them', () => {
    defaults.duration = 2.5;
    defaults.tableName = 'custom_table';
    expect(resolveLockOptions({})).toMatchObject({ durationMs: 2_500, tableName: 'custom_table' });
    // Derived defaults follow the resolved duration.
    expect(resolveLockOptions({})).toMatchObject({ marginMs: 500, renewMs: 833 });
    expect(resolveLockOptions({ duration: 1, tableName: 'mine' })).toMatchObject({
      durationMs: 1_000,
      tableName: 'mine',
    });
    const lock = new DynamoDbLock('r', { logger: false });
    expect([lock.duration, lock.tableName]).toEqual([2.5, 'custom_table']);
    resetDefaults();
    expect(new DynamoDbLock('r').duration).toBe(10);
    // A lock constructed earlier keeps what it resolved.
    expect(lock.duration).toBe(2.5);
  });

  test('defaults reject bad values at the assignment and keep the old value', () => {
    expect(() => {
      defaults.duration = -1;
    }).toThrow(InvalidArgumentError);
    expect(() => {
      (defaults as unknown as Record<string, unknown>).durration = 5;
    }).toThrow(/Unknown default/);
    expect(() => {
      defaults.tableName = 'x';
    }).toThrow(InvalidArgumentError);
    expect(defaults.duration).toBe(10);
    expect(defaults.tableName).toBe('dynamo_dlm_locks');
  });

  test('maxPollInterval: 2 s by default, in ms once resolved', () => {
    expect(resolveLockOptions({}).maxPollMs).toBe(2_000);
    expect(resolveLockOptions({ maxPollInterval: 0.25 }).maxPollMs).toBe(250);
  });

  test('fractional seconds keep millisecond precision', () => {
    expect(resolveLockOptions({ duration: 1.2345 }).durationMs).toBe(1_235);
    expect(resolveLockOptions({ duration: 0.5, safetyMargin: 0.1, renewInterval: 0.2 })).toMatchObject({
      durationMs: 500,
      marginMs: 100,
      renewMs: 200,
    });
  });

  test('logger false is silence; a logger is used as is', () => {
    expect(resolveLockOptions({ logger: false }).logger).toBe(silentLogger);
    const mine = { debug() {}, info() {}, warn() {}, error() {} };
    expect(resolveLockOptions({ logger: mine }).logger).toBe(mine);
    expect(resolveLockOptions({}).logger).toBe(consoleWarnings);
    expect([resolveLogger(undefined), resolveLogger(false), resolveLogger(mine)]).toEqual([
      consoleWarnings,
      silentLogger,
      mine,
    ]);
  });

  test.each([
    ['duration', { duration: DAYS_30 }],
    ['clockSkewAllowance', { clockSkewAllowance: DAYS_30, retention: 40 * 86_400 }],
    ['renewInterval', { duration: MAX_TIMER_SECONDS, renewInterval: DAYS_30 }],
  ])('%s longer than a Node timer holds (2^31-1 ms, a 30-day value) is refused, naming the limit', (name, input) => {
    expect(() => resolveLockOptions(input)).toThrow(InvalidArgumentError);
    expect(() => resolveLockOptions(input)).toThrow(
      new RegExp(`\`${name}\`.*2147483.647, the longest delay a Node timer holds`),
    );
  });

  test('the longest settings a timer holds are accepted', () => {
    expect(
      resolveLockOptions({
        duration: MAX_TIMER_SECONDS,
        clockSkewAllowance: MAX_TIMER_SECONDS,
        retention: 366 * 86_400,
      }),
    ).toMatchObject({
      durationMs: 2 ** 31 - 1,
      skewMs: 2 ** 31 - 1,
      retentionS: 366 * 86_400 + Math.ceil((2 * (2 ** 31 - 1 + 2_000)) / 1000),
    });
  });

  test('retention must cover the skew allowance and the margin, so TTL never deletes a live lease', () => {
    // Defaults: skew 1 s, margin 2 s: a 1-second retention let a lagging holder's live item go.
    expect(() => resolveLockOptions({ retention: 1 })).toThrow(InvalidArgumentError);
    expect(() => resolveLockOptions({ retention: 2.999 })).toThrow(
      /`retention` to be at least `clockSkewAllowance` plus `safetyMargin` \(3 s\).*got 2\.999 s/,
    );
    // The ttl written adds two allowances: at the floor, 3 s + 2 x 3 s.
    expect(resolveLockOptions({ retention: 3 }).retentionS).toBe(9);
    expect(() => resolveLockOptions({ clockSkewAllowance: 10, safetyMargin: 1, retention: 10 })).toThrow(/\(11 s\)/);
    // An allowance past the default retention needs a longer retention, said the same way.
    expect(() => resolveLockOptions({ clockSkewAllowance: 100_000 })).toThrow(/retention/);
    expect(resolveLockOptions({ clockSkewAllowance: 0, safetyMargin: 0, retention: 0.001 }).retentionS).toBe(1);
    expect(resolveLockOptions({ clockSkewAllowance: 0.5, safetyMargin: 0.25, retention: 2 }).retentionS).toBe(4);
  });

  test.each([
    [{ duration: 0 }, /duration/],
    [{ duration: -1 }, /duration/],
    [{ duration: Number.NaN }, /duration/],
    [{ duration: Number.POSITIVE_INFINITY }, /duration/],
    [{ duration: '5' }, /duration/],
    [{ tableName: 'ab' }, /tableName/],
    [{ tableName: 'bad name!' }, /tableName/],
    [{ client: {} }, /client/],
    [{ logger: console.log }, /logger/],
    [{ logger: { warn() {} } }, /logger/],
    [{ autoRenew: 'yes' }, /autoRenew/],
    [{ clockSkewAllowance: -1 }, /clockSkewAllowance/],
    [{ safetyMargin: 5, duration: 5 }, /safetyMargin/],
    [{ renewInterval: 4, duration: 5 }, /renewInterval/],
    [{ retention: 0 }, /retention/],
    [{ maxPollInterval: 0 }, /maxPollInterval/],
    [{ maxPollInterval: 3_601 }, /maxPollInterval/],
    [{ maxPollInterval: '2' }, /maxPollInterval/],
    [{ retention: 400 * 86_400 }, /retention/],
    [{ hooks: { acquired: 1 } }, /hooks\.acquired/],
    [{ hooks: { aquired() {} } }, /aquired/],
    [{ durration: 5 }, /Unknown option `durration`/],
    [null, /lock options/],
    [[], /lock options/],
  ])('%j is rejected with a typed error naming it', (input, message) => {
    expect(() => resolveLockOptions(input)).toThrow(InvalidArgumentError);
    expect(() => resolveLockOptions(input)).toThrow(message);
  });
});

describe('resolveAcquireOptions', () => {
  test('defaults: blocking, no timeout, no signal, the lock decides renewal', () => {
    expect(resolveAcquireOptions(undefined)).toEqual({
      blocking: true,
      timeoutMs: undefined,
      signal: undefined,
      autoRenew: undefined,
    });
  });

  test('per-call values', () => {
    const signal = new AbortController().signal;
    expect(resolveAcquireOptions({ blocking: false, timeout: 0.25, signal, autoRenew: true })).toEqual({
      blocking: false,
      timeoutMs: 250,
      signal,
      autoRenew: true,
    });
  });

  test.each([
    [{ timeout: 0 }, /timeout/],
    [{ timeout: -2 }, /timeout/],
    [{ timeout: Number.NaN }, /timeout/],
    [{ timeout: DAYS_30 }, /`timeout`.*the longest delay a Node timer holds/],
    [{ blocking: 0 }, /blocking/],
    [{ signal: {} }, /signal/],
    [{ wait: true }, /Unknown option `wait`/],
  ])('%j is rejected', (input, message) => {
    expect(() => resolveAcquireOptions(input)).toThrow(message);
  });

  test('a per-call autoRenew overrides the lock option (see the lease tests); a bad call rejects before any request', async () => {
    let sent = 0;
    const client = { send: async () => void sent++ } as never;
    const lock = new DynamoDbLock('r', { client, logger: false });
    await expect(lock.acquire({ timeout: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(sent).toBe(0);
  });
});

describe('resource ids', () => {
  test.each([
    ['', /non-empty/],
    [42, /non-empty string/],
    ['é'.repeat(1_025), /2048 UTF-8 bytes, got 2050/],
    ['job-\uD800', /well-formed/],
  ])('%j is rejected before any request', (id, message) => {
    expect(() => new DynamoDbLock(id as string)).toThrow(message);
  });

  test('2048 bytes exactly is accepted', () => {
    expect(new DynamoDbLock('é'.repeat(1_024)).resourceId).toHaveLength(1_024);
  });
});
