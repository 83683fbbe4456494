/**
 * `DynamoDbMultiLock` on servers with transactions (DynamoDB Local, moto): all or nothing, the
 * single lock's items, per-resource tokens and leases; and on dynalite, which has no
 * transactions, a typed error with nothing left held.
 */
import { DeleteItemCommand, type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type ContendedEvent,
  DynamoDbLock,
  DynamoDbMultiLock,
  InvalidArgumentError,
  LockLostError,
  LockReleasedError,
  type MultiLockOptions,
  TransactionsUnsupportedError,
  withLock,
} from '../../src/index.js';
import { clientFor, dynalite, freshTable, readItem, transactionBackends } from '../support/backends.js';
import { delay } from './helpers.js';

/** What Python dynamo-dlm 1.x sends: a whole-item PutItem, whole seconds, truncated now. */
function pythonAcquire(client: DynamoDBClient, tableName: string, resourceId: string, code: string, duration: number) {
  const now = Math.floor(Date.now() / 1000);
  return client.send(
    new PutItemCommand({
      TableName: tableName,
      Item: { resource_id: { S: resourceId }, release_code: { S: code }, expires: { N: String(now + duration) } },
      ConditionExpression: 'attribute_not_exists(resource_id) OR expires <= :now',
      ExpressionAttributeValues: { ':now': { N: String(now) } },
    }),
  );
}

function pythonRelease(client: DynamoDBClient, tableName: string, resourceId: string, code: string) {
  return client.send(
    new DeleteItemCommand({
      TableName: tableName,
      Key: { resource_id: { S: resourceId } },
      ConditionExpression: 'release_code = :mine',
      ExpressionAttributeValues: { ':mine': { S: code } },
    }),
  );
}

describe.each(transactionBackends())('DynamoDbMultiLock on $name', (backend) => {
  const client = clientFor(backend);
  let tableName: string;
  const multi = (ids: string[], options: MultiLockOptions = {}) =>
    new DynamoDbMultiLock(ids, { client, tableName, logger: false, ...options });
  const single = (id: string, options: MultiLockOptions = {}) =>
    new DynamoDbLock(id, { client, tableName, logger: false, ...options });

  beforeAll(async () => {
    tableName = await freshTable(client, 'multi');
  });
  afterAll(() => client.destroy());

  test("takes every item at once as a single lock's item, each with its own token; excludes single locks and Python 1.x", async () => {
    // `a` has history: its token counts on from there.
    const before = single('m1-a');
    await before.acquire();
    await before.release();
    const locks = multi(['m1-a', 'm1-b'], { owner: 'multi-owner' });
    expect(await locks.acquire({ blocking: false })).toBe(true);
    expect(locks.locked()).toBe(true);
    expect(locks.fencingTokens.get('m1-a')).toBe((before.fencingToken as number) + 1);
    expect(Number.isSafeInteger(locks.fencingTokens.get('m1-b'))).toBe(true);
    expect(locks.tookOver).toEqual([]);
    for (const id of ['m1-a', 'm1-b']) {
      const item = await readItem(client, tableName, id);
      expect(item?.release_code?.S).toMatch(/^[0-9a-f]{32}$/);
      expect(item).toMatchObject({
        owner: { S: 'multi-owner' },
        fencing_token: { N: String(locks.fencingTokens.get(id)) },
      });
      expect(Number(item?.expires?.N)).toBe(Math.ceil(Number(item?.expires_ms?.N) / 1000));
    }
    // A single lock on either, and Python 1.x on either, are refused.
    expect(await single('m1-a').acquire({ blocking: false })).toBe(false);
    expect(await single('m1-b').acquire({ blocking: false })).toBe(false);
    await expect(pythonAcquire(client, tableName, 'm1-b', 'f'.repeat(32), 5)).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
    });
    await locks.release();
    expect(locks.locked()).toBe(false);
    expect(locks.signal.reason).toBeInstanceOf(LockReleasedError);
    // Released markers, as a single lock leaves; the next single lock counts on.
    for (const id of ['m1-a', 'm1-b']) {
      expect(await readItem(client, tableName, id)).toMatchObject({ expires: { N: '0' }, expires_ms: { N: '0' } });
      const after = single(id);
      expect(await after.acquire({ blocking: false })).toBe(true);
      expect(after.fencingToken).toBe((locks.fencingTokens.get(id) as number) + 1);
      await after.release();
    }
  });

  test('all or nothing: one item held elsewhere leaves the other untouched; the refusal says which, and until when', async () => {
    const holder = single('m2-b');
    await holder.acquire();
    const contended: ContendedEvent[] = [];
    const locks = multi(['m2-a', 'm2-b'], { hooks: { contended: (e) => contended.push(e) } });
    expect(await locks.acquire({ blocking: false })).toBe(false);
    expect(await locks.acquire({ timeout: 0.4 })).toBe(false);
    expect(locks.locked()).toBe(false);
    // `a` was not taken, not even for a moment that left a trace: no item at all.
    expect(await readItem(client, tableName, 'm2-a')).toBeUndefined();
    // Each refusal of the waiting acquire named the held item and its holder's lease end (from
    // the cancellation's item), and only that one.
    expect(contended.length).toBeGreaterThanOrEqual(1);
    for (const e of contended) expect(e).toMatchObject({ resourceId: 'm2-b', holderExpiresAt: holder.expiresAt });
    await holder.release();
    expect(await locks.acquire({ blocking: false })).toBe(true);
    await locks.release();
  });

  test('waits for every item and takes them as soon as the last is released', async () => {
    const a = single('m3-a');
    const b = single('m3-b');
    await a.acquire();
    await b.acquire();
    const locks = multi(['m3-a', 'm3-b']);
    const waiting = locks.acquire({ timeout: 10 });
    await delay(200);
    await a.release();
    await delay(200);
    expect(locks.locked()).toBe(false); // `b` still held: nothing taken
    expect(await readItem(client, tableName, 'm3-a')).toMatchObject({ expires_ms: { N: '0' } });
    const releasedAt = performance.now();
    await b.release();
    expect(await waiting).toBe(true);
    // The poll after the release comes within the backoff's cap (200 ms) plus a round trip.
    expect(performance.now() - releasedAt).toBeLessThan(2_000);
    expect(locks.fencingTokens.get('m3-a')).toBe((a.fencingToken as number) + 1);
    expect(locks.fencingTokens.get('m3-b')).toBe((b.fencingToken as number) + 1);
    await locks.release();
  });

  test('takes over an item whose holder never released it, and says which', async () => {
    // A holder that stopped renewing: its lease of 1 s ends, nobody releases it.
    const crashed = single('m4-b', { duration: 1, clockSkewAllowance: 0 });
    await crashed.acquire();
    const locks = multi(['m4-a', 'm4-b'], { clockSkewAllowance: 0 });
    expect(await locks.acquire({ timeout: 10 })).toBe(true);
    expect(locks.tookOver).toEqual(['m4-b']);
    expect(locks.fencingTokens.get('m4-b')).toBe((crashed.fencingToken as number) + 1);
    await locks.release();
    await expect(crashed.release()).rejects.toBeInstanceOf(LockLostError);
  });

  test('Python 1.x holding one item: waited for, then taken once Python deletes it', async () => {
    const code = 'c'.repeat(32);
    await pythonAcquire(client, tableName, 'm5-b', code, 30);
    const locks = multi(['m5-a', 'm5-b']);
    expect(await locks.acquire({ blocking: false })).toBe(false);
    const waiting = locks.acquire({ timeout: 10 });
    await delay(300);
    await pythonRelease(client, tableName, 'm5-b', code);
    expect(await waiting).toBe(true);
    expect(locks.tookOver).toEqual([]);
    await locks.release();
  });

  test('renewal keeps every lease; a lease taken from under it aborts the signal naming that resource', async () => {
    const locks = multi(['m6-a', 'm6-b'], { duration: 1, autoRenew: true });
    await locks.acquire();
    const firstEnd = Number((await readItem(client, tableName, 'm6-a'))?.expires_ms?.N);
    await delay(1_500);
    expect(locks.locked()).toBe(true);
    expect(Number((await readItem(client, tableName, 'm6-a'))?.expires_ms?.N)).toBeGreaterThan(firstEnd);
    // Another owner writes `m6-b` (as a forced release and a new holder would): the next renewal of b is refused.
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { resource_id: { S: 'm6-b' } },
        UpdateExpression: 'SET release_code = :c, #o = :o',
        ExpressionAttributeNames: { '#o': 'owner' },
        ExpressionAttributeValues: { ':c': { S: 'e'.repeat(32) }, ':o': { S: 'intruder' } },
      }),
    );
    await delay(1_000);
    expect(locks.signal.aborted).toBe(true);
    const lost = locks.signal.reason as LockLostError;
    expect(lost).toBeInstanceOf(LockLostError);
    expect(lost).toMatchObject({ resourceId: 'm6-b', reason: 'taken', owner: 'intruder' });
    expect(locks.locked()).toBe(false);
    // The release gives `a` back and reports the loss of `b`.
    await expect(locks.release()).rejects.toBe(lost);
    expect(await readItem(client, tableName, 'm6-a')).toMatchObject({ expires_ms: { N: '0' } });
  });

  test('await using releases every item; withLock over an array gives the work the multi-lock', async () => {
    {
      await using locks = multi(['m7-a', 'm7-b']);
      await locks.acquire();
      expect(locks.locked()).toBe(true);
    }
    for (const id of ['m7-a', 'm7-b']) {
      expect(await readItem(client, tableName, id)).toMatchObject({ expires_ms: { N: '0' } });
    }
    const seen = await withLock(
      ['m7-a', 'm7-b', 'm7-c'],
      (locks) => {
        expect(locks.locked()).toBe(true);
        return [...locks.fencingTokens.keys()];
      },
      { client, tableName, logger: false },
    );
    expect(seen).toEqual(['m7-a', 'm7-b', 'm7-c']);
    expect(await readItem(client, tableName, 'm7-c')).toMatchObject({ expires_ms: { N: '0' } });
  });

  test('extend pushes every lease end; a slots table takes slot 0 of each resource', async () => {
    const locks = multi(['m8-a', 'm8-b'], { duration: 2 });
    await locks.acquire();
    const before = locks.expiresAt as Date;
    await locks.extend(30);
    expect((locks.expiresAt as Date).getTime()).toBeGreaterThan(before.getTime() + 20_000);
    await locks.release();

    const slotsTable = await freshTable(client, 'multislots', 'slots');
    const onSlots = new DynamoDbMultiLock(['s-a', 's-b'], {
      client,
      tableName: slotsTable,
      tableLayout: 'slots',
      logger: false,
    });
    await onSlots.acquire();
    const semaphore = new DynamoDbLock('s-a', {
      client,
      tableName: slotsTable,
      tableLayout: 'slots',
      concurrency: 2,
      logger: false,
    });
    await semaphore.acquire({ blocking: false });
    expect(semaphore.slot).toBe(1); // slot 0 is the multi-lock's
    await semaphore.release();
    await onSlots.release();
  });
});

describe('DynamoDbMultiLock without transactions (dynalite)', () => {
  const backend = dynalite();
  const client = clientFor(backend);
  let tableName: string;
  beforeAll(async () => {
    tableName = await freshTable(client, 'multinotx');
  });
  afterAll(() => client.destroy());

  test('acquire and withLock reject with TransactionsUnsupportedError, and nothing is held', async () => {
    const locks = new DynamoDbMultiLock(['n-a', 'n-b'], { client, tableName, logger: false });
    const error = await locks.acquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionsUnsupportedError);
    expect(error).toMatchObject({ code: 'TRANSACTIONS_UNSUPPORTED' });
    expect((error as Error).message).toMatch(/no transactions/);
    expect(locks.locked()).toBe(false);
    expect(await readItem(client, tableName, 'n-a')).toBeUndefined();
    await expect(withLock(['n-a', 'n-b'], () => 1, { client, tableName, logger: false })).rejects.toBeInstanceOf(
      TransactionsUnsupportedError,
    );
    // And the same items stay usable by single locks.
    const a = new DynamoDbLock('n-a', { client, tableName, logger: false });
    expect(await a.acquire({ blocking: false })).toBe(true);
    await a.release();
  });

  test('bad ids and options fail before any request', () => {
    const sends: unknown[] = [];
    const spy = { send: (command: unknown) => sends.push(command) } as unknown as DynamoDBClient;
    const make = (ids: unknown, options: object = {}) =>
      new DynamoDbMultiLock(ids as string[], { client: spy, logger: false, ...options });
    expect(() => make([])).toThrow(InvalidArgumentError);
    expect(() => make(['a', 'b', 'a'])).toThrow(/distinct, got "a" at 0 and 2/);
    expect(() => make(Array.from({ length: 101 }, (_, i) => `r${i}`))).toThrow(/at most 100 resource ids/);
    expect(() => make('a')).toThrow(/an array of resource ids/);
    expect(() => make(['a', ''])).toThrow(/resourceIds\[1\]/);
    expect(() => make(['a'], { concurrency: 2 })).toThrow(/Unknown option `concurrency`/);
    expect(() => make(['a', 'b'], { data: 'x'.repeat(700) })).toThrow(InvalidArgumentError);
    expect(make(Array.from({ length: 100 }, (_, i) => `r${i}`)).resourceIds).toHaveLength(100);
    expect(sends).toHaveLength(0);
  });
});
