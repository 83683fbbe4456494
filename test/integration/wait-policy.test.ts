import { DeleteItemCommand, type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { graceMs } from '../../src/acquire/wait-policy.js';
import { DynamoDbLock, type LockOptions } from '../../src/index.js';
import { ticketRequest } from '../../src/item/queue-requests.js';
import { backends, clientFor, freshTable, readItem } from '../support/backends.js';
import { delay } from './helpers.js';

/**
 * The queue across processes, on a real server. Each waiter has a client of its own, so that
 * the process-local line (one line per client) does not order them: they meet only in DynamoDB,
 * as locks in separate processes do. Short poll intervals keep the tests fast.
 */
const FAST: LockOptions = { maxPollInterval: 0.2, clockSkewAllowance: 0.1 };
const GRACE_MS = graceMs({ maxPollMs: 200, skewMs: 100 });

describe.each(backends())('waiting across processes on $name', (backend) => {
  const admin = clientFor(backend);
  const clients: DynamoDBClient[] = [];
  let tableName: string;
  const make = (id: string, options: LockOptions = {}) => {
    const client = clientFor(backend);
    clients.push(client);
    return new DynamoDbLock(id, { client, tableName, logger: false, duration: 10, ...FAST, ...options });
  };
  const item = (id: string) => readItem(admin, tableName, id);
  /** Resolves once the item shows `n` tickets taken. */
  const tickets = async (id: string, n: number) => {
    for (let i = 0; i < 200; i++) {
      if (Number((await item(id))?.next_ticket?.N ?? 0) >= n) return;
      await delay(50);
    }
    throw new Error(`no ${n} tickets on ${id}`);
  };

  beforeAll(async () => {
    tableName = await freshTable(admin);
  });
  afterAll(() => {
    for (const c of [admin, ...clients]) c.destroy();
  });

  test('under a long hold, waiters get the lock in the order they queued', async () => {
    const id = 'fifo';
    const holder = make(id);
    await holder.acquire();
    const order: string[] = [];
    const waits: Promise<void>[] = [];
    for (const [n, name] of ['b', 'c', 'd'].entries()) {
      const lock = make(id);
      waits.push(
        lock.acquire({ timeout: 20 }).then(async (ok) => {
          expect(ok).toBe(true);
          order.push(name);
          await delay(200);
          await lock.release();
        }),
      );
      // The next waiter starts only once this one has its ticket.
      await tickets(id, n + 1);
    }
    await holder.release();
    await Promise.all(waits);
    expect(order).toEqual(['b', 'c', 'd']);
  }, 40_000);

  test('a polled wait is recorded on the item, and waiters timed by a long average still exclude each other and all acquire', async () => {
    const id = 'timed-polls';
    // A short hold first (so that waiters poll, never queue), waited for by one poller.
    const first = make(id);
    await first.acquire();
    const poller = make(id);
    const polled = poller.acquire({ timeout: 10 });
    await delay(150);
    await first.release();
    // The first acquisition was never refused: it recorded a wait of 0.
    expect((await item(id))?.avg_wait_ms?.N).toBe('0');
    expect(await polled).toBe(true);
    await poller.release();
    // The poller waited 150 ms or more: a tenth of the way from 0.
    expect(Number((await item(id))?.avg_wait_ms?.N)).toBeGreaterThanOrEqual(15);
    // Now the item says waits are long (many waiters): polls are a third of 900 ms apart.
    await admin.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { resource_id: { S: id } },
        UpdateExpression: 'SET avg_wait_ms = :w, avg_hold_ms = :h',
        ExpressionAttributeValues: { ':w': { N: '900' }, ':h': { N: '20' } },
      }),
    );
    let inside = 0;
    let most = 0;
    const locks = Array.from({ length: 4 }, () => make(id));
    await Promise.all(
      locks.map(async (lock) => {
        for (let round = 0; round < 3; round++) {
          expect(await lock.acquire({ timeout: 30 })).toBe(true);
          inside++;
          most = Math.max(most, inside);
          await delay(20);
          inside--;
          await lock.release();
        }
      }),
    );
    expect(most).toBe(1);
    // Twelve polled acquisitions moved the average towards their own waits, and it is still there.
    expect(Number((await item(id))?.avg_wait_ms?.N)).toBeGreaterThan(0);
  }, 60_000);

  test('blocking: false never takes a free lock past a pending queue', async () => {
    const id = 'no-barging';
    const holder = make(id);
    await holder.acquire();
    const queued = make(id);
    const waiting = queued.acquire({ timeout: 20 });
    await tickets(id, 1);
    await holder.release();
    // Free now, but a ticket is pending: a single try is refused.
    expect(await make(id).acquire({ blocking: false })).toBe(false);
    expect(await waiting).toBe(true);
    await queued.release();
    // The queue is empty again: a single try takes the free lock.
    const late = make(id);
    expect(await late.acquire({ blocking: false })).toBe(true);
    await late.release();
  }, 40_000);

  test('a single try is shut out by dead tickets only for the grace, and then clears them', async () => {
    const id = 'dead-queue';
    const holder = make(id);
    await holder.acquire();
    // A waiter that took a ticket and died.
    await admin.send(new UpdateItemCommand(ticketRequest({ tableName, key: { resource_id: { S: id } } })));
    await holder.release();
    const late = make(id);
    expect(await late.acquire({ blocking: false })).toBe(false);
    await delay(GRACE_MS + 100);
    expect(await late.acquire({ blocking: false })).toBe(true);
    const it = await item(id);
    expect(it?.serving?.N).toBe(it?.next_ticket?.N);
    await late.release();
    // Cleared: the next single try is not held up.
    expect(await late.acquire({ blocking: false })).toBe(true);
    await late.release();
  }, 40_000);

  test(`a queued waiter that gave up, or died, stalls the next one by about the grace (${GRACE_MS} ms), not for ever`, async () => {
    const id = 'dead-waiter';
    // One hold of about a second first, so that the item carries an average hold to time turns by.
    const first = make(id);
    await first.acquire();
    await delay(1_000);
    await first.release();
    const holder = make(id);
    await holder.acquire();
    // A waiter that queues, then gives up while the lock is still held.
    const quitter = make(id);
    const quit = quitter.acquire({ timeout: 2.5 });
    await tickets(id, 1);
    // One that died holding a ticket: it took one and never came back.
    await admin.send(new UpdateItemCommand(ticketRequest({ tableName, key: { resource_id: { S: id } } })));
    const next = make(id);
    const acquired = next.acquire({ timeout: 20 });
    await tickets(id, 3);
    expect(await quit).toBe(false);
    const releasedAt = performance.now();
    await holder.release();
    expect(await acquired).toBe(true);
    const stallMs = performance.now() - releasedAt;
    // Without the skip, `next` would wait behind the two dead tickets until its timeout.
    console.info(`[${backend.name}] stall behind two dead tickets: ${Math.round(stallMs)} ms (grace ${GRACE_MS} ms)`);
    await next.release();
  }, 40_000);

  test('Python 1.x and queued TypeScript waiters exclude each other; Python may take a free lock ahead of the queue', async () => {
    const id = 'mixed';
    const now = () => Math.floor(Date.now() / 1000);
    const pyAcquire = (code: string, duration: number) =>
      admin.send(
        new PutItemCommand({
          TableName: tableName,
          Item: { resource_id: { S: id }, release_code: { S: code }, expires: { N: String(now() + duration) } },
          ConditionExpression: 'attribute_not_exists(resource_id) OR expires <= :now',
          ExpressionAttributeValues: { ':now': { N: String(now()) } },
        }),
      );
    const pyRelease = (code: string) =>
      admin.send(
        new DeleteItemCommand({
          TableName: tableName,
          Key: { resource_id: { S: id } },
          ConditionExpression: 'release_code = :code',
          ExpressionAttributeValues: { ':code': { S: code } },
        }),
      );
    const holder = make(id);
    await holder.acquire();
    // A Python client is refused while we hold it.
    await expect(pyAcquire('a'.repeat(32), 5)).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    const queued = make(id);
    let queuedHas = false;
    const waiting = queued.acquire({ timeout: 20 }).then((ok) => {
      queuedHas = ok;
      return ok;
    });
    await tickets(id, 1);
    await holder.release();
    // Python's PutItem ignores the queue (the documented caveat) and wipes its counters.
    await pyAcquire('b'.repeat(32), 5);
    expect((await item(id))?.next_ticket).toBeUndefined();
    await delay(1_000);
    expect(queuedHas).toBe(false);
    expect(await make(id).acquire({ blocking: false })).toBe(false);
    await pyRelease('b'.repeat(32));
    // The queue was reset; the waiter finds the item gone and takes the free lock.
    expect(await waiting).toBe(true);
    await expect(pyAcquire('c'.repeat(32), 5)).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    await queued.release();
  }, 40_000);
});
