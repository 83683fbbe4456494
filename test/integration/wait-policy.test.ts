import {
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DynamoDbLock, type LockOptions } from '../../src/index.js';
import { itemKey } from '../../src/item/attributes.js';
import { ticketRequest } from '../../src/item/queue-requests.js';
import { forceReleaseRequest } from '../../src/item/requests.js';
import { backends, clientFor, freshTable, readItem } from '../support/backends.js';
import { delay } from './helpers.js';

/**
 * The waiting policy across processes, on a real server: the order, and the bound on how long a
 * released lock stands free while someone waits, in each of the shapes that once broke it. Each
 * waiter has a client of its own, so that the process-local line (one line per client) does not
 * order them: they meet only in DynamoDB, as locks in separate processes do.
 *
 * `maxPollInterval` is 0.5 s here, so the bound is 0.5 s (or a quarter of the longest hold in the
 * minute before) plus a round trip; the tests allow a second on top for a loaded machine. They
 * exist to catch stalls of seconds, not to time milliseconds.
 */
const OPTIONS: LockOptions = { maxPollInterval: 0.5, duration: 10 };
const SLACK_MS = 1_000;

describe.each(backends())('waiting on $name', (backend) => {
  const admin = clientFor(backend);
  const clients: DynamoDBClient[] = [];
  let tableName: string;
  /** A lock with a client of its own; `writes` counts what that client sent. */
  const make = (id: string, options: LockOptions = {}) => {
    const client = clientFor(backend);
    clients.push(client);
    const counted = { writes: 0 };
    const send = client.send.bind(client);
    client.send = ((command: { input?: UpdateItemCommandInput }, ...rest: unknown[]) => {
      if (command.input?.UpdateExpression !== undefined) counted.writes++;
      return (send as (...a: unknown[]) => unknown)(command, ...rest);
    }) as typeof client.send;
    const lock = new DynamoDbLock(id, { client, tableName, logger: false, ...OPTIONS, ...options });
    return Object.assign(lock, { counted });
  };
  const item = (id: string) => readItem(admin, tableName, id);
  /** Resolves once the item shows `n` tickets not yet served. */
  const queued = async (id: string, n: number) => {
    for (let i = 0; i < 200; i++) {
      const it = await item(id);
      if (Number(it?.next_ticket?.N ?? 0) - Number(it?.serving?.N ?? 0) >= n) return;
      await delay(25);
    }
    throw new Error(`no ${n} tickets pending on ${id}`);
  };
  const pyPut = (id: string, code: string, seconds: number) =>
    admin.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          resource_id: { S: id },
          release_code: { S: code },
          expires: { N: String(Math.floor(Date.now() / 1000) + seconds) },
        },
        ConditionExpression: 'attribute_not_exists(resource_id) OR expires <= :now',
        ExpressionAttributeValues: { ':now': { N: String(Math.floor(Date.now() / 1000)) } },
      }),
    );
  const pyDelete = (id: string, code: string) =>
    admin.send(
      new DeleteItemCommand({
        TableName: tableName,
        Key: { resource_id: { S: id } },
        ConditionExpression: 'release_code = :code',
        ExpressionAttributeValues: { ':code': { S: code } },
      }),
    );

  beforeAll(async () => {
    tableName = await freshTable(admin);
  });
  afterAll(() => {
    for (const c of [admin, ...clients]) c.destroy();
  });

  test('under long holds, waiters get the lock in the order they queued', async () => {
    const id = 'fifo';
    const holder = make(id);
    await holder.acquire();
    const heldFrom = performance.now();
    const order: string[] = [];
    const waits: Promise<void>[] = [];
    // Each waiter holds for longer than the bound B (a quarter of the first hold, at least 0.5 s),
    // so the next in line has looked, and holds the right of way, before each release: the order
    // the contract promises. (A hand-off made while no head is live goes to whoever looks first.)
    let holdMs = 0;
    for (const [n, name] of ['b', 'c', 'd'].entries()) {
      const lock = make(id);
      waits.push(
        lock.acquire({ timeout: 30 }).then(async (ok) => {
          expect(ok).toBe(true);
          order.push(name);
          await delay(holdMs);
          await lock.release();
        }),
      );
      await queued(id, n + 1);
    }
    holdMs = Math.max(500, (performance.now() - heldFrom) / 4) + 700;
    await holder.release();
    await Promise.all(waits);
    expect(order).toEqual(['b', 'c', 'd']);
  }, 60_000);

  test('short holds after a long one: each release is taken within the bound (a queue behind the head does not sleep)', async () => {
    const id = 'short-after-long';
    const holder = make(id);
    await holder.acquire();
    const idle: number[] = [];
    let freedAt = 0;
    const waits = ['b', 'c', 'd'].map(async (_, n) => {
      const lock = make(id);
      await delay(400 + n * 100);
      expect(await lock.acquire({ timeout: 30 })).toBe(true);
      idle.push(performance.now() - freedAt);
      await delay(50);
      freedAt = performance.now();
      await lock.release();
    });
    await queued(id, 3);
    await delay(2_500);
    freedAt = performance.now();
    await holder.release();
    await Promise.all(waits);
    console.info(`[${backend.name}] idle after each release: ${idle.map((ms) => Math.round(ms)).join(', ')} ms`);
    // The long hold was about 3 s: B = max(0.5 s, 3 s / 4).
    for (const ms of idle) expect(ms).toBeLessThan(750 + SLACK_MS);
  }, 40_000);

  test('a queued waiter that gives up (timeout or abort) leaves nothing that delays the next one', async () => {
    const id = 'gave-up';
    const holder = make(id);
    await holder.acquire();
    const quitter = make(id);
    const quit = quitter.acquire({ timeout: 1.5 });
    await queued(id, 1);
    const aborter = make(id);
    const abort = new AbortController();
    const aborted = aborter.acquire({ signal: abort.signal }).catch((error: Error) => error.name);
    await queued(id, 2);
    const next = make(id);
    const acquired = next.acquire({ timeout: 20 });
    await queued(id, 3);
    abort.abort();
    expect(await aborted).toBe('AbortedError');
    expect(await quit).toBe(false);
    const releasedAt = performance.now();
    await holder.release();
    expect(await acquired).toBe(true);
    const ms = performance.now() - releasedAt;
    console.info(`[${backend.name}] hand-off past two waiters that gave up: ${Math.round(ms)} ms`);
    expect(ms).toBeLessThan(500 + SLACK_MS);
    await next.release();
  }, 40_000);

  test('a dead ticket ahead (a waiter that crashed, or a ticket write retried after a lost answer) does not hold the lock free', async () => {
    const id = 'dead-ticket';
    const holder = make(id);
    await holder.acquire();
    await admin.send(
      new UpdateItemCommand(ticketRequest({ tableName, key: itemKey('single', id, 0), now: Date.now(), skewMs: 0 })),
    );
    const next = make(id);
    const acquired = next.acquire({ timeout: 20 });
    await queued(id, 2);
    await delay(1_000);
    const releasedAt = performance.now();
    await holder.release();
    expect(await acquired).toBe(true);
    const ms = performance.now() - releasedAt;
    console.info(`[${backend.name}] hand-off past a dead ticket: ${Math.round(ms)} ms`);
    expect(ms).toBeLessThan(500 + SLACK_MS);
    await next.release();
  }, 40_000);

  test('a head behind a Python 1.x holder looks at half the hold so far, up to the cap: no busy poll', async () => {
    const id = 'python-holder';
    await pyPut(id, 'p'.repeat(32), 7);
    // The default maxPollInterval (2 s): the head's looks grow to about 1.85 s apart.
    const waiter = make(id, { maxPollInterval: 2 });
    const acquired = waiter.acquire({ timeout: 20 });
    await delay(5_000);
    const during = waiter.counted.writes;
    await pyDelete(id, 'p'.repeat(32));
    expect(await acquired).toBe(true);
    console.info(`[${backend.name}] writes of a waiter during 5 s of a Python hold: ${during}`);
    // The first 300 ms are polled for (up to about 10 tries), then a ticket and about ten heartbeats.
    expect(during).toBeLessThan(30);
    await waiter.release();
  }, 40_000);

  test('tickets taken before and after a Python 1.x client wiped the queue never collide', async () => {
    const id = 'python-wipe';
    const holder = make(id);
    await holder.acquire();
    const before = make(id);
    const first = before.acquire({ timeout: 20 });
    await queued(id, 1);
    const ticketBefore = Number((await item(id))?.next_ticket?.N);
    await holder.release();
    expect(await first).toBe(true);
    await before.release();
    // Python takes the free lock and wipes the counters; a new waiter queues behind it.
    await pyPut(id, 'q'.repeat(32), 2);
    const after = make(id);
    const second = after.acquire({ timeout: 20 });
    await queued(id, 1);
    expect(Number((await item(id))?.next_ticket?.N)).toBeGreaterThan(ticketBefore);
    await pyDelete(id, 'q'.repeat(32));
    expect(await second).toBe(true);
    await after.release();
  }, 40_000);

  test('a forced release leaves the lock to the live head: a single try does not barge past it', async () => {
    const id = 'forced';
    const holder = make(id);
    await holder.acquire();
    const waiter = make(id);
    const waiting = waiter.acquire({ timeout: 20 });
    await queued(id, 1);
    await delay(1_000);
    const it = await item(id);
    await admin.send(
      new UpdateItemCommand(
        forceReleaseRequest({
          tableName,
          key: itemKey('single', id, 0),
          heldCode: it?.release_code?.S as string,
          fencingToken: Number(it?.fencing_token?.N),
          code: 'forced',
          now: Date.now(),
          retentionS: 60,
        }),
      ),
    );
    expect(Number((await item(id))?.freed_ms?.N)).toBeGreaterThan(0);
    expect(await make(id).acquire({ blocking: false })).toBe(false);
    expect(await waiting).toBe(true);
    await waiter.release();
  }, 40_000);

  test("on a 'slots' table, a dead ticket on slot 0 does not shut a concurrency-2 lock out of slot 0", async () => {
    const slotsTable = await freshTable(admin, 'slots', 'slots');
    const id = 'slots-dead';
    const mk = (concurrency: number) =>
      new DynamoDbLock(id, {
        client: admin,
        tableName: slotsTable,
        tableLayout: 'slots',
        concurrency,
        logger: false,
        ...OPTIONS,
      });
    const one = mk(1);
    await one.acquire();
    await admin.send(
      new UpdateItemCommand(
        ticketRequest({ tableName: slotsTable, key: itemKey('slots', id, 0), now: Date.now(), skewMs: 0 }),
      ),
    );
    await one.release();
    const first = mk(2);
    const second = mk(2);
    expect(await first.acquire({ blocking: false })).toBe(true);
    expect(first.slot).toBe(0);
    expect(await second.acquire({ blocking: false })).toBe(true);
    expect(second.slot).toBe(1);
    await first.release();
    await second.release();
  }, 40_000);
});
