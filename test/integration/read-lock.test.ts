import { hostname } from 'node:os';
import { type DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DynamoDbLock, LeaderElection, LockLostError, type LockOptions, readLock } from '../../src/index.js';
import { itemKey } from '../../src/item/attributes.js';
import { HOLDER_BYTES } from '../../src/item/budget.js';
import { acquireRequest, forceReleaseRequest } from '../../src/item/requests.js';
import { backends, clientFor, freshTable } from '../support/backends.js';
import { delay } from './helpers.js';

let ids = 0;
const fresh = (what: string) => `${what}-${++ids}`;

describe.each(backends())('owner, data and readLock on $name', (backend) => {
  const client: DynamoDBClient = clientFor(backend);
  let tableName: string;
  const make = (id: string, options: LockOptions = {}) =>
    new DynamoDbLock(id, { client, tableName, logger: false, ...options });
  const read = (id: string) => readLock(id, { client, tableName });
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    tableName = await freshTable(client);
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
    client.destroy();
  });

  test('free, held (owner host:pid by default, data, lease end, token), released (last owner kept)', async () => {
    const id = fresh('states');
    expect(await read(id)).toMatchObject({ state: 'free', held: false, expired: false, owner: undefined });
    const lock = make(id, { data: '{"step":1}' });
    await lock.acquire();
    const held = await read(id);
    expect(held).toEqual({
      resourceId: id,
      state: 'held',
      held: true,
      expired: false,
      owner: `${hostname()}:${process.pid}`,
      data: '{"step":1}',
      expiresAt: lock.expiresAt,
      fencingToken: lock.fencingToken,
    });
    await lock.release();
    expect(await read(id)).toMatchObject({
      state: 'released',
      held: false,
      owner: lock.owner,
      data: '{"step":1}',
      expiresAt: undefined,
      fencingToken: lock.fencingToken,
    });
  });

  test('setData replaces the data while held, in the write that extends the lease; the next holder does not inherit it', async () => {
    const id = fresh('set-data');
    const lock = make(id, { owner: 'worker-1', duration: 5 });
    await lock.acquire();
    expect((await read(id)).data).toBeUndefined();
    const before = lock.expiresAt!.getTime();
    await delay(20);
    await lock.setData('phase 2');
    const info = await read(id);
    expect(info).toMatchObject({ owner: 'worker-1', data: 'phase 2', held: true });
    expect(info.expiresAt!.getTime()).toBeGreaterThan(before);
    expect(info.expiresAt).toEqual(lock.expiresAt);
    await lock.release();
    const next = make(id, { owner: 'worker-2' });
    await next.acquire();
    expect(await read(id)).toMatchObject({ owner: 'worker-2', data: undefined, fencingToken: lock.fencingToken! + 1 });
    await next.release();
  });

  test('a lease past its end by the reader’s clock is expired, not held', async () => {
    const id = fresh('expired');
    const lock = make(id, { duration: 0.3, safetyMargin: 0.1 });
    await lock.acquire();
    await delay(400);
    expect(await read(id)).toMatchObject({ state: 'held', held: false, expired: true, owner: lock.owner });
    await lock.release().catch(() => undefined);
  });

  test('a Python 1.x lease shows no owner, no token, and its whole-second end', async () => {
    const id = fresh('python');
    const expires = Math.floor(Date.now() / 1000) + 30;
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { resource_id: { S: id }, release_code: { S: 'p'.repeat(32) }, expires: { N: String(expires) } },
      }),
    );
    expect(await read(id)).toMatchObject({
      state: 'held',
      held: true,
      owner: undefined,
      data: undefined,
      fencingToken: undefined,
      expiresAt: new Date(expires * 1000),
    });
  });

  test('a taken lease: LockLostError names the new owner where the server returns the item', async () => {
    // Taken while the first holder's lease still runs by its own clock (an operator's forced
    // release, then another acquire), so the refused write is what tells it: reason `taken`.
    // (A lease that ran out first keeps its first reason, `expired`, and no owner.)
    const id = fresh('taken');
    const first = make(id, { owner: 'first', duration: 30 });
    await first.acquire();
    const { Item } = await client.send(
      new GetItemCommand({ TableName: tableName, Key: { resource_id: { S: id } }, ConsistentRead: true }),
    );
    await client.send(
      new UpdateItemCommand(
        forceReleaseRequest({
          tableName,
          key: itemKey('single', id, 0),
          heldCode: Item?.release_code?.S ?? '',
          fencingToken: first.fencingToken,
          code: 'forced-by-test',
          now: Date.now(),
          retentionS: 60,
        }),
      ),
    );
    const thief = make(id, { owner: 'thief' });
    expect(await thief.acquire({ blocking: false })).toBe(true);
    const error = await first.extend().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockLostError);
    expect(error).toMatchObject({ reason: 'taken' });
    expect(first.signal.reason).toBe(error);
    // DynamoDB (and DynamoDB Local) return the item with a refused write; dynalite returns nothing.
    expect((error as LockLostError).owner).toBe(backend.returnsHolder ? 'thief' : undefined);
    await expect(first.release()).rejects.toBe(error);
    await thief.release();
  });

  test('who leads an election: readLock names the leader by its owner, and its term is the token', async () => {
    const name = fresh('election');
    let term: number | undefined;
    const elected = new Promise<void>((resolve) => {
      const election = new LeaderElection(name, {
        client,
        tableName,
        logger: false,
        duration: 3,
        owner: 'scheduler-a',
        data: 'http://10.0.0.7:8080',
        onElected: ({ fencingToken }) => {
          term = fencingToken;
          resolve();
        },
      });
      stops.push(() => election.stop());
      void election.start();
    });
    await elected;
    expect(await read(name)).toMatchObject({
      state: 'held',
      held: true,
      owner: 'scheduler-a',
      data: 'http://10.0.0.7:8080',
      fencingToken: term,
    });
    for (const stop of stops.splice(0)) await stop();
    expect(await read(name)).toMatchObject({ state: 'released', owner: 'scheduler-a' });
  });

  test("on a 'slots' table (Python 2.x), readLock reads one slot; a 'single' read there names the fix", async () => {
    const slotsTable = await freshTable(client, 'slots_read', 'slots');
    const options = { client, tableName: slotsTable, tableLayout: 'slots', concurrency: 2, logger: false } as const;
    const first = new DynamoDbLock('pool', { ...options, owner: 'w-0' });
    const second = new DynamoDbLock('pool', { ...options, owner: 'w-1', data: 'batch 9' });
    await first.acquire();
    await second.acquire();
    const slotOf = (owner: string) => (first.owner === owner ? first.slot : second.slot) ?? -1;
    const at = { client, tableName: slotsTable, tableLayout: 'slots' } as const;
    expect(await readLock('pool', { ...at, slot: slotOf('w-1') })).toMatchObject({
      state: 'held',
      owner: 'w-1',
      data: 'batch 9',
      fencingToken: second.fencingToken,
    });
    expect(await readLock('pool', { ...at, slot: 2 })).toMatchObject({ state: 'free' });
    await expect(readLock('pool', { client, tableName: slotsTable })).rejects.toThrow(/pass tableLayout: 'slots'/);
    await first.release();
    await second.release();
  });

  test('the largest data accepted keeps the item within one write unit', async () => {
    // Short ids and owners leave the most room: the budget is 640 bytes for all three.
    const id = 'b';
    const owner = 'o';
    const data = `${'€'.repeat(212)}xx`;
    expect(Buffer.byteLength(data)).toBe(HOLDER_BYTES - 2);
    const lock = make(id, { owner, data });
    expect(() => make(id, { owner, data: `${data}x` })).toThrow(/at most 638 UTF-8 bytes/);
    await lock.acquire();
    // The same acquire write, asked to report its cost, on a fresh item with the longest lease
    // and retention: one unit. The same write with 400 more bytes of data (which validation
    // refuses) costs two, so the measure can tell.
    const cost = async (resourceId: string, payload: string) => {
      const input = acquireRequest({
        tableName,
        key: itemKey('single', resourceId, 0),
        code: 'c'.repeat(32),
        now: Date.now(),
        durationMs: 2_147_483_647,
        skewMs: 0,
        retentionS: 366 * 86_400,
        owner,
        data: payload,
      });
      const out = await client.send(new UpdateItemCommand({ ...input, ReturnConsumedCapacity: 'TOTAL' }));
      return out.ConsumedCapacity?.CapacityUnits;
    };
    // dynalite answers one unit whatever the size; DynamoDB Local measures the item.
    if (backend.name === 'dynamodb-local') {
      expect(await cost('c', data)).toBe(1);
      expect(await cost('d', `${data}${'x'.repeat(400)}`)).toBe(2);
    }
    expect(await read(id)).toMatchObject({ data });
    await lock.release();
  });
});
