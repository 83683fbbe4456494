import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DynamoDbLock, LockLostError, LockUnavailableError, type WithLockOptions, withLock } from '../../src/index.js';
import { backends, clientFor, freshTable } from '../support/backends.js';
import { FaultInjector } from '../support/faults.js';
import { delay, recordingLogger } from './helpers.js';

describe.each(backends())('withLock on $name', (backend) => {
  const faults = new FaultInjector();
  const client = clientFor(backend, { requestHandler: faults.handler });
  let tableName: string;
  let options: WithLockOptions;
  beforeAll(async () => {
    tableName = await freshTable(client);
    options = { client, tableName, logger: false };
  });
  afterAll(() => client.destroy());

  const probe = async (id: string) => {
    const lock = new DynamoDbLock(id, options);
    const free = await lock.acquire({ blocking: false });
    if (free) await lock.release();
    return free;
  };

  test('returns the work’s value; the work gets the held lock with its token and signal; released after', async () => {
    let seen: DynamoDbLock | undefined;
    const value = await withLock(
      'wl-value',
      async (lock) => {
        seen = lock;
        expect(lock.locked()).toBe(true);
        expect(lock.signal.aborted).toBe(false);
        expect(await probe('wl-value')).toBe(false);
        return { token: lock.fencingToken };
      },
      options,
    );
    expect(value.token).toBe(seen?.fencingToken);
    expect(seen?.locked()).toBe(false);
    expect(await probe('wl-value')).toBe(true);
  });

  test('releases when the work throws, rejecting with the work’s error', async () => {
    const failure = new Error('work failed');
    await expect(
      withLock(
        'wl-throw',
        () => {
          throw failure;
        },
        options,
      ),
    ).rejects.toBe(failure);
    expect(await probe('wl-throw')).toBe(true);
  });

  test('the work’s error wins when release also fails (the release failure is logged)', async () => {
    const log = recordingLogger();
    const failure = new Error('work failed');
    const result = withLock(
      'wl-both-fail',
      async () => {
        // Every write from here on fails: release will not get through.
        faults.inject({ kind: 'server-error', status: 500 }, { operation: 'UpdateItem', times: 100 });
        throw failure;
      },
      { ...options, logger: log, autoRenew: false },
    );
    await expect(result).rejects.toBe(failure);
    faults.clear();
    expect(log.warnings().some((w) => /releasing 'wl-both-fail' after the work failed also failed/.test(w))).toBe(true);
  });

  test('LockUnavailableError on timeout or when held (blocking: false); the work never runs', async () => {
    const holder = new DynamoDbLock('wl-busy', options);
    await holder.acquire();
    let ran = 0;
    await expect(withLock('wl-busy', () => ran++, { ...options, timeout: 0.3 })).rejects.toBeInstanceOf(
      LockUnavailableError,
    );
    await expect(withLock('wl-busy', () => ran++, { ...options, blocking: false })).rejects.toMatchObject({
      code: 'LOCK_UNAVAILABLE',
      resourceId: 'wl-busy',
    });
    expect(ran).toBe(0);
    await holder.release();
  });

  test('renews by default: a 1 s lease outlives 2.5 s of work while others are refused', async () => {
    const refused: boolean[] = [];
    await withLock(
      'wl-renew',
      async (lock) => {
        for (let i = 0; i < 5; i++) {
          await delay(500);
          refused.push(!(await probe('wl-renew')));
        }
        expect(lock.signal.aborted).toBe(false);
      },
      { ...options, duration: 1 },
    );
    expect(refused).toEqual([true, true, true, true, true]);
  });

  test('document-by-test: when the lease is lost during the work and taken by another, withLock rejects with LockLostError', async () => {
    const taker = new DynamoDbLock('wl-lost', {
      tableName,
      client: clientFor(backend),
      clockSkewAllowance: 0,
      logger: false,
    });
    let workFinished = false;
    const result = withLock(
      'wl-lost',
      async (lock) => {
        // Renewals start failing: DynamoDB "unreachable" for this lock.
        faults.inject({ kind: 'reset' }, { operation: 'UpdateItem', times: 1_000 });
        await new Promise((resolve) => lock.signal.addEventListener('abort', resolve, { once: true }));
        // The work ignores the signal; meanwhile the lease runs out and another owner takes it.
        expect(await taker.acquire({ timeout: 5 })).toBe(true);
        faults.clear();
        workFinished = true;
        return 'done';
      },
      { ...options, duration: 1 },
    );
    const error = await result.catch((e: unknown) => e);
    expect(workFinished).toBe(true);
    expect(error).toBeInstanceOf(LockLostError);
    expect((error as LockLostError).reason).toBe('unreachable');
    expect(taker.locked()).toBe(true);
    await taker.release();
  });

  test('document-by-test: when the signal aborted but the release still landed before the lease ended, withLock resolves', async () => {
    let signalled: unknown;
    const value = await withLock(
      'wl-margin',
      async (lock) => {
        faults.inject({ kind: 'reset' }, { operation: 'UpdateItem', times: 1_000 });
        await new Promise((resolve) => lock.signal.addEventListener('abort', resolve, { once: true }));
        faults.clear();
        signalled = lock.signal.reason;
        return 'done';
      },
      // A wide safety margin leaves the release ample time inside the real lease.
      { ...options, duration: 3, safetyMargin: 1.5, renewInterval: 0.5 },
    );
    expect(value).toBe('done');
    expect(signalled).toBeInstanceOf(LockLostError);
    expect((signalled as LockLostError).reason).toBe('unreachable');
    expect(await probe('wl-margin')).toBe(true);
  });
});
