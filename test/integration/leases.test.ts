import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { DynamoDbLock, LockLostError, type LockOptions } from '../../src/index.js';
import { backends, clientFor, freshTable } from '../support/backends.js';
import { FaultInjector } from '../support/faults.js';
import { delay, recordingLogger } from './helpers.js';

const isExtend = (body: Record<string, unknown>) => String(body.ConditionExpression).includes('> :zero');

describe.each(backends())('leases on $name', (backend) => {
  const faults = new FaultInjector();
  const client = clientFor(backend, { requestHandler: faults.handler });
  const contenderClient = clientFor(backend);
  let tableName: string;
  const make = (id: string, options: LockOptions = {}, c = client) =>
    new DynamoDbLock(id, { client: c, tableName, logger: false, ...options });
  beforeAll(async () => {
    tableName = await freshTable(client);
    // The first writes to a fresh table can be slow (DynamoDB Local's JVM warming up): take
    // them here, so that a 1 s lease below does not lose most of its length to the first answer.
    for (let i = 0; i < 5; i++) {
      const warm = make(`warm-up-${i}`);
      await warm.acquire();
      await warm.release();
    }
  });
  afterEach(() => faults.clear());
  afterAll(() => {
    client.destroy();
    contenderClient.destroy();
  });

  test('auto-renewal holds a 1 s lease through 4 s of work while a contender keeps trying and fails', async () => {
    const log = recordingLogger();
    const hooks = { extended: (e: unknown) => log.info(`extended ${JSON.stringify(e)} at ${Date.now()}`) };
    const holder = make('renew-4s', { duration: 1, logger: log, hooks });
    const contender = make('renew-4s', { clockSkewAllowance: 0 }, contenderClient);
    const t = performance.now();
    await holder.acquire({ autoRenew: true });
    const acquireMs = performance.now() - t;
    const token = holder.fencingToken!;
    let contenderAttempts = 0;
    let contenderWon = false;
    const deadline = performance.now() + 4_000;
    while (performance.now() < deadline) {
      contenderAttempts++;
      if (await contender.acquire({ blocking: false })) {
        contenderWon = true;
        break;
      }
      await delay(100);
    }
    if (contenderWon) console.log(log.lines, acquireMs);
    expect(contenderWon).toBe(false);
    expect(contenderAttempts).toBeGreaterThan(10);
    expect(holder.locked()).toBe(true);
    expect(holder.signal.aborted).toBe(false);
    expect(faults.requests.filter((r) => isExtend(r.body)).length).toBeGreaterThanOrEqual(6);
    await holder.release();
    expect(await contender.acquire({ blocking: false })).toBe(true);
    expect(contender.fencingToken).toBe(token + 1);
    expect(contender.tookOver).toBe(false);
    await contender.release();
  });

  test('a renewal failure injected at the request handler aborts the signal before the lease would end, reason unreachable', async () => {
    const log = recordingLogger();
    const lock = make('renew-fails', { duration: 1.5, logger: log });
    await lock.acquire({ autoRenew: true });
    const acquiredAt = performance.now();
    const leaseEnd = acquiredAt + 1_500;
    faults.inject({ kind: 'reset' }, { when: isExtend, times: 1_000 });
    const abortedAt = await new Promise<number>((resolve) =>
      lock.signal.addEventListener('abort', () => resolve(performance.now()), { once: true }),
    );
    faults.clear();
    expect(abortedAt).toBeLessThan(leaseEnd);
    const reason = lock.signal.reason as LockLostError;
    expect(reason).toBeInstanceOf(LockLostError);
    expect(reason.reason).toBe('unreachable');
    expect(lock.locked()).toBe(false);
    expect(faults.requests.filter((r) => r.fault === 'reset').length).toBeGreaterThanOrEqual(2);
    expect(log.warnings().some((w) => /transient/.test(w))).toBe(true);
    // The signal told the work to stop; the release, still sent before the lease really ended
    // and with nobody else holding it, lost nothing, so it resolves.
    await expect(lock.release()).resolves.toBeUndefined();
  });

  test('a hung renewal is cut off and reported unreachable before the lease ends', async () => {
    const lock = make('renew-hangs', { duration: 1.5 });
    await lock.acquire({ autoRenew: true });
    const leaseEnd = performance.now() + 1_500;
    faults.inject({ kind: 'timeout' }, { when: isExtend, times: 1_000 });
    const abortedAt = await new Promise<number>((resolve) =>
      lock.signal.addEventListener('abort', () => resolve(performance.now()), { once: true }),
    );
    expect(abortedAt).toBeLessThan(leaseEnd);
    expect((lock.signal.reason as LockLostError).reason).toBe('unreachable');
    faults.clear();
    await lock.release().catch(() => undefined);
  });

  test('ambiguous renewal on a real server: applied but the response lost, then a retry => still held', async () => {
    const lock = make('renew-ambiguous', { duration: 1 });
    await lock.acquire({ autoRenew: true });
    const start = faults.requests.length;
    faults.inject({ kind: 'reset', applied: true }, { when: isExtend, times: 2 });
    await delay(1_800);
    expect(faults.requests.slice(start).filter((r) => r.fault === 'reset').length).toBe(2);
    expect(lock.signal.aborted).toBe(false);
    expect(lock.locked()).toBe(true);
    await lock.release();
  });

  test('release during an in-flight renewal waits for it; no renewal is sent after the release', async () => {
    // A client of its own, so that only this lock's requests are counted.
    const own = new FaultInjector();
    const ownClient = clientFor(backend, { requestHandler: own.handler });
    try {
      const lock = make('renew-inflight', { duration: 1 }, ownClient);
      await lock.acquire({ autoRenew: true });
      own.inject({ kind: 'delay', ms: 300 }, { when: isExtend });
      // The first renewal is due after a third of the lease.
      while (!own.requests.some((r) => r.fault === 'delay')) await delay(10);
      await lock.release();
      const kinds = () =>
        own.requests.map((r) =>
          String(r.body.UpdateExpression).includes('#token') ? 'acquire' : isExtend(r.body) ? 'extend' : 'release',
        );
      expect(kinds()).toEqual(['acquire', 'extend', 'release']);
      await delay(800);
      expect(kinds()).toEqual(['acquire', 'extend', 'release']);
      expect(await make('renew-inflight').acquire({ blocking: false })).toBe(true);
    } finally {
      ownClient.destroy();
    }
  });

  test('throttling injected at the request handler is backed off with a WARNING and then succeeds', async () => {
    const log = recordingLogger();
    const lock = make('throttled', { logger: log });
    faults.inject({ kind: 'throttle' }, { operation: 'UpdateItem', times: 3 });
    expect(await lock.acquire()).toBe(true);
    expect(faults.requests.filter((r) => r.fault === 'throttle')).toHaveLength(3);
    expect(log.warnings().filter((w) => /DynamoDB throttled acquire of 'throttled'/.test(w))).toHaveLength(3);
    faults.inject({ kind: 'throttle', type: 'ThrottlingException' }, { operation: 'UpdateItem' });
    await lock.release();
    expect(log.warnings().some((w) => /throttled release/.test(w))).toBe(true);
    expect(await make('throttled').acquire({ blocking: false })).toBe(true);
  });

  test('5xx and resets on acquire are retried; an acquire applied with its answer lost is recognised as ours', async () => {
    const lock = make('transient');
    faults.inject({ kind: 'server-error', status: 503 }, { operation: 'UpdateItem' });
    faults.inject({ kind: 'reset', applied: true }, { operation: 'UpdateItem' });
    expect(await lock.acquire({ timeout: 5 })).toBe(true);
    // The retry found its own code on the item: no waiting out its own lease. What the unseen
    // first write replaced is unknown, so tookOver errs on the side of recovery.
    expect(lock.tookOver).toBe(true);
    await lock.release();
    expect(await make('transient').acquire({ blocking: false })).toBe(true);
  });
});
