/** `concurrency` on a 'slots' table (Python dynamo-dlm 2.x's layout), on every backend. */
import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DynamoDbLock, type LockOptions, withLock } from '../../src/index.js';
import { backends, clientFor, freshTable } from '../support/backends.js';
import { FaultInjector } from '../support/faults.js';
import { delay } from './helpers.js';

describe.each(backends())('concurrency on $name', (backend) => {
  const client = clientFor(backend);
  const others: DynamoDBClient[] = [];
  let tableName: string;
  const make = (id: string, options: LockOptions = {}) =>
    new DynamoDbLock(id, { client, tableName, logger: false, tableLayout: 'slots', concurrency: 3, ...options });
  /** A client of its own: locks on it do not share this process's line of waiters with `client`. */
  const otherClient = () => {
    const c = clientFor(backend);
    others.push(c);
    return c;
  };
  const slotItem = async (id: string, slot: number) =>
    (
      await client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: { resource_id: { S: id }, concurrency_id: { N: String(slot) } },
          ConsistentRead: true,
        }),
      )
    ).Item;

  beforeAll(async () => {
    tableName = await freshTable(client, 'slots', 'slots');
  });
  afterAll(() => {
    client.destroy();
    for (const c of others) c.destroy();
  });

  test('three holders at once, each in its own slot; a fourth is refused; a release frees exactly its own slot', async () => {
    const id = 'three';
    const holders = [make(id), make(id), make(id)];
    for (const h of holders) expect(await h.acquire()).toBe(true);
    expect(holders.map((h) => h.slot)).toEqual([0, 1, 2]);
    const fourth = make(id);
    expect(await fourth.acquire({ blocking: false })).toBe(false);
    const before = await Promise.all([0, 1, 2].map((s) => slotItem(id, s)));

    await holders[1]!.release();
    const after = await Promise.all([0, 1, 2].map((s) => slotItem(id, s)));
    // Slot 1 is a released marker (our code kept); slots 0 and 2 are untouched.
    expect(after[1]).toMatchObject({
      expires: { N: '0' },
      expires_ms: { N: '0' },
      release_code: before[1]!.release_code,
    });
    expect(after[0]).toEqual(before[0]);
    expect(after[2]).toEqual(before[2]);

    expect(await fourth.acquire({ blocking: false })).toBe(true);
    expect(fourth.slot).toBe(1);
    for (const h of [holders[0]!, holders[2]!, fourth]) await h.release();
  });

  test('the README example: concurrency 2, the third waits and gets the slot the first releases', async () => {
    const id = 'readme';
    const [a, b, c] = [0, 1, 2].map(() => make(id, { concurrency: 2 })) as [DynamoDbLock, DynamoDbLock, DynamoDbLock];
    await a.acquire();
    await b.acquire();
    let third = false;
    const waiting = c.acquire({ timeout: 10 }).then((ok) => {
      third = ok;
      return ok;
    });
    await delay(300);
    expect(third).toBe(false);
    await a.release();
    expect(await waiting).toBe(true);
    expect(c.slot).toBe(0);
    await b.release();
    await c.release();
  });

  test('withLock takes a slot too, and hands the work the lock with its slot', async () => {
    const id = 'with-lock';
    const holder = make(id, { concurrency: 2 });
    await holder.acquire();
    const slot = await withLock(id, async (lock) => lock.slot, {
      client,
      tableName,
      logger: false,
      tableLayout: 'slots',
      concurrency: 2,
    });
    expect(slot).toBe(1);
    await holder.release();
  });

  test('expired slots are taken over (tookOver), slot by slot', async () => {
    const id = 'expired';
    const abandoned = otherClient();
    const leavers = [0, 1, 2].map(() => make(id, { client: abandoned, duration: 1, clockSkewAllowance: 0 }));
    for (const l of leavers) expect(await l.acquire()).toBe(true);
    const takers = [0, 1, 2].map(() => make(id, { clockSkewAllowance: 0 }));
    expect(await takers[0]!.acquire({ blocking: false })).toBe(false);
    const started = Date.now();
    for (const t of takers) expect(await t.acquire({ timeout: 5 })).toBe(true);
    expect(Date.now() - started).toBeGreaterThan(300);
    expect(takers.every((t) => t.tookOver)).toBe(true);
    expect(new Set(takers.map((t) => t.slot))).toEqual(new Set([0, 1, 2]));
    // Leaver i took slot i (uncontended sweeps start at 0); each taker's token follows its slot's.
    for (const t of takers) expect(t.fencingToken).toBeGreaterThan(leavers[t.slot!]!.fencingToken!);
    for (const t of takers) await t.release();
    for (const l of leavers) await l.release().catch(() => undefined);
  });

  test('waiting polls the slot whose holder ends first where the server returns the holder (ALL_OLD); dynalite rotates', async () => {
    const id = 'guided';
    const holders = otherClient();
    // Slot 1's lease ends in about 1.5 s; slots 0 and 2 hold for 30 s.
    const long0 = make(id, { client: holders, duration: 30 });
    const short1 = make(id, { client: holders, duration: 1.5, clockSkewAllowance: 0 });
    const long2 = make(id, { client: holders, duration: 30 });
    for (const l of [long0, short1, long2]) await l.acquire();
    expect([long0.slot, short1.slot, long2.slot]).toEqual([0, 1, 2]);
    const polled: (number | undefined)[] = [];
    const waiter = make(id, { clockSkewAllowance: 0, hooks: { contended: (e) => polled.push(e.slot) } });
    expect(await waiter.acquire({ timeout: 10 })).toBe(true);
    expect(waiter.slot).toBe(1);
    expect(waiter.tookOver).toBe(true);
    expect(polled.slice(0, 3)).toEqual([0, 1, 2]); // the one sweep
    const polls = polled.slice(3);
    const onOne = polls.filter((s) => s === 1).length;
    if (backend.returnsHolder) {
      // Most polls go to the slot that frees first; the others only to refresh their view.
      expect(onOne).toBeGreaterThan(polls.length / 2);
    } else {
      // No holder on a refusal: one slot per poll, in turn.
      for (const [i, s] of polls.entries()) expect(s).toBe(i % 3);
    }
    await waiter.release();
    for (const l of [long0, long2]) await l.release();
    await short1.release().catch(() => undefined);
  });

  test('locks that disagree on concurrency: each tries only slots below its own, so holders never exceed the largest', async () => {
    const id = 'disagree';
    const wide = [make(id), make(id), make(id)];
    for (const w of wide) await w.acquire();
    const faults = new FaultInjector();
    const counted = clientFor(backend, { requestHandler: faults.handler });
    others.push(counted);
    const narrow = make(id, { concurrency: 2, client: counted });
    expect(await narrow.acquire({ blocking: false })).toBe(false);
    expect(faults.count('UpdateItem')).toBe(2); // slots 0 and 1, never 2
    await wide[2]!.release(); // slot 2 is free, but not for a lock of concurrency 2
    expect(await narrow.acquire({ blocking: false })).toBe(false);
    expect(faults.count('UpdateItem')).toBe(4);
    await wide[0]!.release();
    expect(await narrow.acquire({ blocking: false })).toBe(true);
    expect(narrow.slot).toBe(0);
    await narrow.release();
    await wide[1]!.release();
  });

  test('fencing tokens count per slot: each slot’s holders get strictly increasing tokens', async () => {
    const id = 'tokens';
    const bySlot = new Map<number, number[]>();
    for (let round = 0; round < 3; round++) {
      const pair = [make(id, { concurrency: 2 }), make(id, { concurrency: 2 })];
      for (const l of pair) await l.acquire();
      for (const l of pair) {
        bySlot.set(l.slot!, [...(bySlot.get(l.slot!) ?? []), l.fencingToken!]);
        await l.release();
      }
    }
    for (const tokens of bySlot.values()) {
      expect(tokens).toHaveLength(3);
      expect(tokens[1]).toBe(tokens[0]! + 1);
      expect(tokens[2]).toBe(tokens[1]! + 1);
    }
  });

  test('8 locks in one process, concurrency 3: never more than 3 holders, and 3 are reached; no slot held twice', async () => {
    const id = 'crowd';
    let holding = 0;
    let most = 0;
    const intervals: { slot: number; start: number; end: number }[] = [];
    const worker = async (c: DynamoDBClient) => {
      const lock = make(id, { client: c });
      for (let i = 0; i < 4; i++) {
        expect(await lock.acquire({ timeout: 30 })).toBe(true);
        holding++;
        most = Math.max(most, holding);
        const start = performance.now();
        await delay(5 + Math.random() * 10);
        const end = performance.now();
        holding--;
        intervals.push({ slot: lock.slot!, start, end });
        await lock.release();
      }
    };
    // Half share this process's line of waiters (one client), half poll on clients of their own.
    const shared = Array.from({ length: 4 }, () => worker(client));
    const alone = Array.from({ length: 4 }, () => worker(otherClient()));
    await Promise.all([...shared, ...alone]);
    expect(intervals).toHaveLength(32);
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThanOrEqual(2);
    for (const slot of [0, 1, 2]) {
      const mine = intervals.filter((i) => i.slot === slot).sort((a, b) => a.start - b.start);
      for (let i = 1; i < mine.length; i++) expect(mine[i]!.start).toBeGreaterThanOrEqual(mine[i - 1]!.end);
    }
  }, 60_000);

  test('Python dynamo-dlm 2.x writes (emulated): its PutItem on a slot excludes us there, its DeleteItem frees it, and it takes our released marker', async () => {
    const id = 'python-wire';
    const now = () => Math.floor(Date.now() / 1000);
    const pyAcquire = (slot: number, code: string) =>
      client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            resource_id: { S: id },
            concurrency_id: { N: String(slot) },
            release_code: { S: code },
            expires: { N: String(now() + 10) },
          },
          ConditionExpression: 'attribute_not_exists(resource_id) OR expires <= :now',
          ExpressionAttributeValues: { ':now': { N: String(now()) } },
        }),
      );
    const pyRelease = (slot: number, code: string) =>
      client.send(
        new DeleteItemCommand({
          TableName: tableName,
          Key: { resource_id: { S: id }, concurrency_id: { N: String(slot) } },
          ConditionExpression: 'release_code = :code',
          ExpressionAttributeValues: { ':code': { S: code } },
        }),
      );
    await pyAcquire(0, 'a'.repeat(32));
    const lock = make(id, { concurrency: 2 });
    expect(await lock.acquire({ blocking: false })).toBe(true);
    expect(lock.slot).toBe(1);
    // Python's acquire of our slot is refused: our `expires` is whole seconds, rounded up.
    await expect(pyAcquire(1, 'b'.repeat(32))).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(await make(id, { concurrency: 2 }).acquire({ blocking: false })).toBe(false);
    await pyRelease(0, 'a'.repeat(32));
    await lock.release();
    // Python takes our released marker (expires 0), and the slot it freed (no item).
    await pyAcquire(1, 'c'.repeat(32));
    await pyAcquire(0, 'd'.repeat(32));
    expect(await make(id, { concurrency: 2 }).acquire({ blocking: false })).toBe(false);
    await pyRelease(0, 'd'.repeat(32));
    await pyRelease(1, 'c'.repeat(32));
  });

  test('a slot item is the 1.x item plus concurrency_id: our writes keep Python’s three fields', async () => {
    const id = 'shape';
    const lock = make(id);
    await lock.acquire();
    const item = await slotItem(id, 0);
    expect(item?.release_code?.S).toMatch(/^[0-9a-f]{32}$/);
    expect(Number(item?.expires?.N)).toBe(Math.ceil(Number(item?.expires_ms?.N) / 1000));
    expect(item?.concurrency_id).toEqual({ N: '0' });
    await lock.release();
    // Touching the table directly with the other key shape is refused by the server itself.
    await expect(
      client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: { resource_id: { S: id } },
          UpdateExpression: 'SET expires = :z',
          ExpressionAttributeValues: { ':z': { N: '0' } },
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });
});
