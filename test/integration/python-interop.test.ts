import { DeleteItemCommand, type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DynamoDbLock, type LockOptions, readLock } from '../../src/index.js';
import { backends, clientFor, freshTable } from '../support/backends.js';
import { delay } from './helpers.js';

/** What Python dynamo-dlm 1.x sends to acquire: a whole-item PutItem, whole seconds, truncated now. */
function pythonAcquire(client: DynamoDBClient, tableName: string, resourceId: string, code: string, duration: number) {
  const now = Math.floor(Date.now() / 1000);
  return client.send(
    new PutItemCommand({
      TableName: tableName,
      Item: {
        resource_id: { S: resourceId },
        release_code: { S: code },
        expires: { N: String(now + duration) },
      },
      ConditionExpression: 'attribute_not_exists(resource_id) OR expires <= :now',
      ExpressionAttributeValues: { ':now': { N: String(now) } },
    }),
  );
}

describe.each(backends())('Python dynamo-dlm 1.x interop on $name', (backend) => {
  const client = clientFor(backend);
  let tableName: string;
  const make = (id: string, options: LockOptions = {}) =>
    new DynamoDbLock(id, { client, tableName, logger: false, ...options });
  beforeAll(async () => {
    tableName = await freshTable(client);
  });
  afterAll(() => client.destroy());

  test('a Python-style item excludes the lock until its whole-second expiry, then is taken over', async () => {
    const id = 'py-held';
    // Python truncates now to whole seconds, so a 1 s lease taken late in a second ends within
    // milliseconds: start early in a second, or the first try below may already find it over.
    await delay((1_050 - (Date.now() % 1000)) % 1000);
    await pythonAcquire(client, tableName, id, 'f'.repeat(32), 1);
    const expires = Math.floor(Date.now() / 1000) + 1;
    const lock = make(id, { clockSkewAllowance: 0 });
    expect(await lock.acquire({ blocking: false })).toBe(false);
    expect(await lock.acquire({ timeout: 4 })).toBe(true);
    // Never before the Python item's expiry second.
    expect(Date.now()).toBeGreaterThanOrEqual(expires * 1000 - 5);
    expect(lock.tookOver).toBe(true);
    expect(Number.isSafeInteger(lock.fencingToken)).toBe(true);
    await lock.release();
  });

  test('the skew allowance is applied to a Python item too', async () => {
    const id = 'py-skew';
    await pythonAcquire(client, tableName, id, 'e'.repeat(32), 1);
    const expiresMs = (Math.floor(Date.now() / 1000) + 1) * 1000;
    const lock = make(id, { clockSkewAllowance: 1 });
    expect(await lock.acquire({ timeout: 6 })).toBe(true);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresMs + 1_000 - 5);
    await lock.release();
  });

  test('our item keeps Python’s fields: a held lease refuses a Python acquire; our release leaves a marker Python can take', async () => {
    const id = 'py-after-us';
    const lock = make(id, { duration: 5 });
    await lock.acquire();
    const held = await client.send(
      new GetItemCommand({ TableName: tableName, Key: { resource_id: { S: id } }, ConsistentRead: true }),
    );
    expect(held.Item?.release_code?.S).toMatch(/^[0-9a-f]{32}$/);
    expect(Number(held.Item?.expires?.N)).toBe(Math.ceil(Number(held.Item?.expires_ms?.N) / 1000));
    expect(Number(held.Item?.ttl?.N)).toBeGreaterThan(Number(held.Item?.expires?.N));
    await expect(pythonAcquire(client, tableName, id, 'a'.repeat(32), 5)).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
    });
    await lock.release();
    const marker = await client.send(
      new GetItemCommand({ TableName: tableName, Key: { resource_id: { S: id } }, ConsistentRead: true }),
    );
    expect(marker.Item).toMatchObject({ expires: { N: '0' }, expires_ms: { N: '0' } });
    expect(marker.Item?.fencing_token?.N).toBe(String(lock.fencingToken));
    await pythonAcquire(client, tableName, id, 'b'.repeat(32), 5);
    // And Python's lease, held now, excludes us.
    expect(await make(id).acquire({ blocking: false })).toBe(false);
  });

  test('owner and data change nothing for Python: excluded while held, it takes our marker, and its PutItem drops them', async () => {
    const id = 'py-owner-data';
    const lock = make(id, { duration: 5, owner: 'ts-worker', data: '{"job":42}' });
    await lock.acquire();
    // Python's condition reads only resource_id and expires: still refused while we hold it.
    await expect(pythonAcquire(client, tableName, id, 'a'.repeat(32), 5)).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
    });
    await lock.setData('{"job":43}');
    await expect(pythonAcquire(client, tableName, id, 'a'.repeat(32), 5)).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
    });
    await lock.release();
    expect(await readLock(id, { client, tableName })).toMatchObject({ state: 'released', owner: 'ts-worker' });
    // Python takes the released marker; its PutItem replaces the whole item, our attributes too.
    await pythonAcquire(client, tableName, id, 'b'.repeat(32), 1);
    const py = await client.send(
      new GetItemCommand({ TableName: tableName, Key: { resource_id: { S: id } }, ConsistentRead: true }),
    );
    expect(Object.keys(py.Item ?? {}).sort()).toEqual(['expires', 'release_code', 'resource_id']);
    expect(await readLock(id, { client, tableName })).toMatchObject({
      state: 'held',
      owner: undefined,
      data: undefined,
    });
    // Python's release (a DeleteItem on its own code) is untouched by our attributes.
    await client.send(
      new DeleteItemCommand({
        TableName: tableName,
        Key: { resource_id: { S: id } },
        ConditionExpression: 'release_code = :mine',
        ExpressionAttributeValues: { ':mine': { S: 'b'.repeat(32) } },
      }),
    );
    // And we write owner and data again on the next acquire.
    const next = make(id, { owner: 'ts-2' });
    expect(await next.acquire({ blocking: false })).toBe(true);
    expect(await readLock(id, { client, tableName })).toMatchObject({ state: 'held', owner: 'ts-2', data: undefined });
    await next.release();
  });

  test('a Python lease whose expires is in the past is free at once (whole seconds, truncated now)', async () => {
    const id = 'py-expired';
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          resource_id: { S: id },
          release_code: { S: 'c'.repeat(32) },
          expires: { N: String(Math.floor(Date.now() / 1000) - 5) },
        },
      }),
    );
    const lock = make(id);
    expect(await lock.acquire({ blocking: false })).toBe(true);
    expect(lock.tookOver).toBe(true);
    await lock.release();
    await delay(0);
  });
});
