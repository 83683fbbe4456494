import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DynamoDbLock } from '../../src/index.js';
import { backends, clientFor, freshTable } from '../support/backends.js';
import { FaultInjector } from '../support/faults.js';
import { delay } from './helpers.js';

describe.each(backends())('waiters in one process on $name', (backend) => {
  const faults = new FaultInjector();
  const client = clientFor(backend, { requestHandler: faults.handler });
  let tableName: string;
  beforeAll(async () => {
    tableName = await freshTable(client);
  });
  afterAll(() => client.destroy());

  test('eight instances sharing a client line up: mutual exclusion, and no write spent on polling', async () => {
    const instances = 8;
    const rounds = 5;
    const locks = Array.from(
      { length: instances },
      () => new DynamoDbLock('in-process', { client, tableName, duration: 5, logger: false }),
    );
    const intervals: [number, number][] = [];
    let holders = 0;
    let maxHolders = 0;
    const before = faults.count('UpdateItem');
    await Promise.all(
      locks.map(async (lock) => {
        for (let i = 0; i < rounds; i++) {
          expect(await lock.acquire({ timeout: 30 })).toBe(true);
          holders++;
          maxHolders = Math.max(maxHolders, holders);
          const start = performance.now();
          await delay(5);
          intervals.push([start, performance.now()]);
          holders--;
          await lock.release();
        }
      }),
    );
    const acquisitions = instances * rounds;
    expect(intervals).toHaveLength(acquisitions);
    expect(maxHolders).toBe(1);
    intervals.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < intervals.length; i++) expect(intervals[i]![0]).toBeGreaterThanOrEqual(intervals[i - 1]![1]);
    // One acquire and one release per acquisition: the waiters behind the first never polled.
    expect(faults.count('UpdateItem') - before).toBe(2 * acquisitions);
  });

  test('a waiter in line still respects its timeout and abort, and a non-blocking try skips the line', async () => {
    const holder = new DynamoDbLock('in-process-2', { client, tableName, duration: 5, logger: false });
    const waiter = new DynamoDbLock('in-process-2', { client, tableName, duration: 5, logger: false });
    expect(await holder.acquire()).toBe(true);
    const before = faults.count('UpdateItem');
    const started = performance.now();
    expect(await waiter.acquire({ timeout: 0.3 })).toBe(false);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    await expect(waiter.acquire({ signal: AbortSignal.timeout(100) })).rejects.toMatchObject({ code: 'ABORTED' });
    // Waiting in line costs no write; a single try is one write, refused.
    expect(faults.count('UpdateItem') - before).toBe(0);
    expect(await waiter.acquire({ blocking: false })).toBe(false);
    expect(faults.count('UpdateItem') - before).toBe(1);
    // The holder's release hands over at once.
    const waiting = waiter.acquire({ timeout: 5 });
    await delay(50);
    await holder.release();
    expect(await waiting).toBe(true);
    await waiter.release();
  });

  test('a holder that loses its lease (and never releases) lets the next waiter in the process try', async () => {
    const holder = new DynamoDbLock('in-process-3', {
      client,
      tableName,
      duration: 1,
      clockSkewAllowance: 0,
      logger: false,
    });
    const waiter = new DynamoDbLock('in-process-3', { client, tableName, duration: 1, logger: false });
    expect(await holder.acquire()).toBe(true);
    const token = holder.fencingToken!;
    // The holder neither renews nor releases: its lease runs out, and the waiter takes it over.
    expect(await waiter.acquire({ timeout: 10 })).toBe(true);
    expect(holder.signal.aborted).toBe(true);
    expect(waiter.fencingToken).toBe(token + 1);
    expect(waiter.tookOver).toBe(true);
    await waiter.release();
    await expect(holder.release()).rejects.toMatchObject({ code: 'LOCK_LOST' });
  });
});
