import { GetItemCommand, UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DynamoDbLock } from '../../src/index.js';
import { itemKey } from '../../src/item/attributes.js';
import { acquireRequest, extendRequest, releaseRequest } from '../../src/item/requests.js';
import { backends, clientFor, freshTable, readItem } from '../support/backends.js';
import { FaultInjector } from '../support/faults.js';

/**
 * Writes the network delayed past later ones (a timed-out attempt that still reaches the
 * server) must not undo what the later ones did. Proven on each server with the request
 * builders the lock uses, replayed out of order.
 */
describe.each(backends())('delayed writes on $name', (backend) => {
  const client = clientFor(backend);
  let tableName: string;
  beforeAll(async () => {
    tableName = await freshTable(client);
  });
  afterAll(() => client.destroy());

  /** Sends a write and says what became of it: 'applied', or the error's name. */
  const send = (input: UpdateItemCommandInput) =>
    client.send(new UpdateItemCommand(input)).then(
      () => 'applied',
      (error: Error) => error.name,
    );
  const expiresMs = async (resourceId: string) => {
    const { Item } = await client.send(
      new GetItemCommand({ TableName: tableName, Key: { resource_id: { S: resourceId } }, ConsistentRead: true }),
    );
    return Number(Item?.expires_ms?.N);
  };
  const common = (resourceId: string, now: number) => ({
    tableName,
    key: itemKey('single', resourceId, 0),
    code: 'a'.repeat(32),
    now,
    owner: 'delayed',
  });

  test('a delayed acquire of ours cannot resurrect the lease we already released', async () => {
    const now = Date.now();
    const acquire = acquireRequest({ ...common('resurrect', now), durationMs: 5_000, skewMs: 0, retentionS: 60 });
    expect(await send(acquire)).toBe('applied');
    expect(await send(releaseRequest({ ...common('resurrect', now + 10), retentionS: 60 }))).toBe('applied');
    // The first attempt arrives again, late: refused, the marker stays released.
    expect(await send(acquire)).toBe('ConditionalCheckFailedException');
    expect(await expiresMs('resurrect')).toBe(0);
    // Anyone else (another code) can take the marker at once.
    const other = acquireRequest({
      ...common('resurrect', now + 20),
      code: 'b'.repeat(32),
      durationMs: 5_000,
      skewMs: 0,
      retentionS: 60,
    });
    expect(await send(other)).toBe('applied');
  });

  test('a retried acquire of ours still succeeds while our lease is live, and never moves its end back', async () => {
    const now = Date.now();
    const first = acquireRequest({ ...common('retry', now), durationMs: 5_000, skewMs: 0, retentionS: 60 });
    const retry = acquireRequest({ ...common('retry', now + 100), durationMs: 5_000, skewMs: 0, retentionS: 60 });
    expect(await send(first)).toBe('applied');
    expect(await send(retry)).toBe('applied');
    expect(await send(first)).toBe('ConditionalCheckFailedException');
    expect(await expiresMs('retry')).toBe(now + 100 + 5_000);
  });

  test('a delayed older renewal cannot shorten the lease a newer one set', async () => {
    const now = Date.now();
    expect(await send(acquireRequest({ ...common('renew', now), durationMs: 5_000, skewMs: 0, retentionS: 60 }))).toBe(
      'applied',
    );
    const older = extendRequest({ ...common('renew', now + 100), durationMs: 5_000, retentionS: 60 });
    const newer = extendRequest({ ...common('renew', now + 200), durationMs: 5_000, retentionS: 60 });
    expect(await send(newer)).toBe('applied');
    expect(await send(older)).toBe('ConditionalCheckFailedException');
    expect(await expiresMs('renew')).toBe(now + 200 + 5_000);
  });

  test("after extend() longer than duration, a holder's older setData delivered late cannot undo a newer one", async () => {
    const faults = new FaultInjector();
    const recording = clientFor(backend, { requestHandler: faults.handler });
    const lock = new DynamoDbLock('set-data-order', { client: recording, tableName, duration: 3, logger: false });
    try {
      await lock.acquire();
      await lock.extend(60);
      await lock.setData('older');
      // The older setData's write as sent: the network could deliver a copy of it at any time.
      const older = faults.requests.filter((r) => r.operation === 'UpdateItem').at(-1)?.body;
      await lock.setData('newer');
      expect(await send(older as unknown as UpdateItemCommandInput)).toBe('ConditionalCheckFailedException');
      expect((await readItem(client, tableName, 'set-data-order'))?.data?.S).toBe('newer');
      expect(lock.data).toBe('newer');
    } finally {
      await lock.release().catch(() => undefined);
      recording.destroy();
    }
  });
});
