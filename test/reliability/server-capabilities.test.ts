import { DescribeTimeToLiveCommand, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type ContendedEvent,
  createLockTable,
  DynamoDbLock,
  InvalidArgumentError,
  LockLostError,
} from '../../src/index.js';
import { itemKey } from '../../src/item/attributes.js';
import { forceReleaseRequest } from '../../src/item/requests.js';
import { withClock } from '../../src/runtime/test-seam.js';
import { VirtualClock } from '../model/virtual-clock.js';
import { backends, clientFor, freshTable } from '../support/backends.js';
import { FaultInjector } from '../support/faults.js';

/**
 * What a faithful DynamoDB (DynamoDB Local, moto) can do and dynalite cannot, and proof that the
 * library uses it: the holder returned on a failed condition bounds a waiter's sleep, TTL is
 * switched on by createLockTable, and key limits are UTF-8 bytes exactly.
 */

test('DynamoDB Local is among the backends unless DLM_BACKENDS deselects it', () => {
  const names = backends().map((b) => b.name);
  expect(names[0]).toBe('dynalite');
  const wanted = process.env.DLM_BACKENDS ?? 'dynalite,dynamodb-local';
  expect(names.includes('dynamodb-local')).toBe(wanted.includes('dynamodb-local'));
});

describe.each(backends())('server capabilities on $name', (backend) => {
  const faults = new FaultInjector();
  const client = clientFor(backend, { requestHandler: faults.handler });
  let tableName: string;
  beforeAll(async () => {
    tableName = await freshTable(client, 'caps');
  });
  afterAll(() => client.destroy());

  test('a holder released by force is told so where the server returns the item; else that it was taken', async () => {
    const holder = new DynamoDbLock('forced', { client, tableName, duration: 30, logger: false });
    expect(await holder.acquire()).toBe(true);
    const { Item } = await client.send(
      new GetItemCommand({ TableName: tableName, Key: itemKey('single', 'forced', 0), ConsistentRead: true }),
    );
    // What `dynamo-dlm release --force` writes.
    await client.send(
      new UpdateItemCommand(
        forceReleaseRequest({
          tableName,
          key: itemKey('single', 'forced', 0),
          heldCode: Item?.release_code?.S ?? '',
          fencingToken: holder.fencingToken,
          code: 'forced-by-the-test',
          now: Date.now(),
          retentionS: 60,
        }),
      ),
    );
    const error = await holder.extend().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockLostError);
    expect((error as LockLostError).reason).toBe(backend.returnsHolder ? 'forced' : 'taken');
    await holder.release().catch(() => undefined);
  });

  test('a waiting acquire learns the holder expiry and never sleeps past it', async () => {
    const clock = new VirtualClock(() => 0.999);
    const options = { client, tableName, duration: 1, clockSkewAllowance: 0.05, logger: false as const };
    const holder = new DynamoDbLock('held-long', withClock(options, clock));
    expect(await holder.acquire()).toBe(true);
    const expiresAt = holder.expiresAt!.getTime();
    // 750 ms to go (with the skew). The hold has lasted 300 ms: long, so the waiter queues at
    // its first refusal and, as the head, looks at half the hold so far, never past its end.
    clock.advance(300);

    const events: (ContendedEvent & { at: number })[] = [];
    let acquiredAt = 0;
    // A waiter in another process: its own client, so it meets the holder only in DynamoDB.
    const otherProcess = clientFor(backend);
    const waiter = new DynamoDbLock(
      'held-long',
      withClock(
        {
          ...options,
          client: otherProcess,
          hooks: {
            contended: (e) => events.push({ ...e, at: clock.now() }),
            acquired: () => {
              acquiredAt = clock.now();
            },
          },
        },
        clock,
      ),
    );
    expect(await waiter.acquire({ timeout: 10 })).toBe(true);
    expect(events.length).toBeGreaterThanOrEqual(1);
    const freeAt = expiresAt + 50; // holder's expiry plus the skew allowance
    if (backend.returnsHolder) {
      // Every refusal carried the holder's lease end, and no sleep went past it.
      for (const e of events) {
        expect(e.holderExpiresAt?.getTime()).toBe(expiresAt);
        expect(e.at + e.delayMs).toBeLessThanOrEqual(freeAt + 1);
      }
      // So the waiter got the lock the moment it became free, though its backoff had grown.
      expect(acquiredAt).toBeGreaterThanOrEqual(freeAt);
      expect(acquiredAt).toBeLessThanOrEqual(freeAt + 1);
    } else {
      // dynalite ignores ALL_OLD: refusals say nothing of the holder. After 300 ms of that the
      // waiter looks (a refresh returns the item), and from then on sleeps to the lease end.
      for (const e of events) expect(e.holderExpiresAt).toBeUndefined();
      expect(acquiredAt).toBeGreaterThanOrEqual(freeAt);
      expect(acquiredAt).toBeLessThanOrEqual(freeAt + 1);
    }
    expect(waiter.tookOver).toBe(true);
    expect(waiter.fencingToken).toBe(holder.fencingToken! + 1);
    await waiter.release();
    // The holder's lost signal fired at its own lease end (the first reason found is kept).
    expect(holder.signal.aborted).toBe(true);
    await expect(holder.release()).rejects.toMatchObject({ code: 'LOCK_LOST', reason: 'expired' });
    expect(clock.pendingTimers).toBe(0);
    otherProcess.destroy();
  });

  test('createLockTable enables TTL on `ttl` where the server has TTL, and every write sets it', async () => {
    const name = `ttl_${process.pid}_${Date.now().toString(36)}`;
    const result = await createLockTable({ client, tableName: name });
    expect(result).toEqual({
      tableName: name,
      tableLayout: 'single',
      created: true,
      ttl: backend.ttl ? 'enabled' : 'unsupported',
    });
    if (backend.ttl) {
      const described = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
      expect(described.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'ttl' });
      // Running it again keeps the table and TTL as they are.
      expect(await createLockTable({ client, tableName: name })).toEqual({
        tableName: name,
        tableLayout: 'single',
        created: false,
        ttl: 'enabled',
      });
    }
    const lock = new DynamoDbLock('ttl-item', { client, tableName: name, duration: 5, retention: 60 });
    await lock.acquire();
    const { Item } = await client.send(
      new GetItemCommand({ TableName: name, Key: { resource_id: { S: 'ttl-item' } }, ConsistentRead: true }),
    );
    // TTL is epoch seconds (milliseconds there would keep items for ever): lease end + retention,
    // plus two clock allowances (skew 1 s + margin 1 s, a fifth of the 5 s lease, each).
    expect(Number(Item?.ttl?.N)).toBe(Number(Item?.expires?.N) + 60 + 4);
    expect(Number(Item?.ttl?.N)).toBeLessThan(Date.now() / 1000 + 3600);
    await lock.release();
  });

  test('a resource id of exactly 2048 UTF-8 bytes works; 2049 bytes is refused before any request', async () => {
    const euro = '€'; // 3 bytes in UTF-8, 1 UTF-16 unit
    const exact = `${euro.repeat(682)}ab`;
    expect(Buffer.byteLength(exact)).toBe(2048);
    const before = faults.count('UpdateItem');
    const lock = new DynamoDbLock(exact, { client, tableName, duration: 2 });
    expect(await lock.acquire({ blocking: false })).toBe(true);
    await lock.release();
    expect(faults.count('UpdateItem') - before).toBe(2);

    const over = `${exact}c`;
    const sent = faults.count();
    expect(() => new DynamoDbLock(over, { client, tableName })).toThrow(InvalidArgumentError);
    expect(faults.count()).toBe(sent);

    if (backend.byteKeys) {
      // The limit is the server's own: a 2049-byte key is refused by the server too.
      await expect(
        client.send(new PutItemCommand({ TableName: tableName, Item: { resource_id: { S: over } } })),
      ).rejects.toMatchObject({ name: 'ValidationException' });
    }
  });
});
