/**
 * A DynamoDBDocumentClient (`@aws-sdk/lib-dynamodb`) passed as `client`: the lock sends its own
 * raw-attribute commands through it, and the document client's marshalling options never touch
 * them (they apply only to lib-dynamodb's own command classes).
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DynamoDbLock, readLock, withLock } from '../../src/index.js';
import { backends, clientFor, freshTable } from '../support/backends.js';
import { delay } from './helpers.js';

describe.each(backends())('a DynamoDBDocumentClient on $name', (backend) => {
  const base = clientFor(backend);
  // Options that would corrupt the lock's attributes if they were applied to its commands.
  const doc = DynamoDBDocumentClient.from(base, {
    marshallOptions: { convertEmptyValues: true, removeUndefinedValues: true, convertClassInstanceToMap: true },
    unmarshallOptions: { wrapNumbers: true },
  });
  let tableName: string;

  beforeAll(async () => {
    tableName = await freshTable(base);
  });
  afterAll(() => base.destroy());

  test('a whole cycle through it writes the same raw item as a DynamoDBClient, and both exclude each other', async () => {
    const lock = new DynamoDbLock('doc-cycle', { client: doc, tableName, logger: false, owner: 'doc', data: '' });
    expect(lock.client).toBe(doc);
    expect(await lock.acquire()).toBe(true);
    const plain = new DynamoDbLock('doc-cycle', { client: base, tableName, logger: false });
    expect(await plain.acquire({ blocking: false })).toBe(false);
    await lock.setData('{"n":1}');
    await lock.extend(5);

    // Read raw through the base client: strings and numbers as the lock wrote them.
    const { Item } = await base.send(
      new GetItemCommand({ TableName: tableName, Key: { resource_id: { S: 'doc-cycle' } }, ConsistentRead: true }),
    );
    expect(Item).toMatchObject({
      owner: { S: 'doc' },
      data: { S: '{"n":1}' },
      expires_ms: { N: String(lock.expiresAt!.getTime()) },
      fencing_token: { N: String(lock.fencingToken) },
    });
    // readLock through the document client reads the same item.
    expect(await readLock('doc-cycle', { client: doc, tableName })).toMatchObject({
      state: 'held',
      owner: 'doc',
      data: '{"n":1}',
      fencingToken: lock.fencingToken,
      expiresAt: lock.expiresAt,
    });
    // And the application's own document-client reads keep working beside the lock.
    const viaDoc = await doc.send(new GetCommand({ TableName: tableName, Key: { resource_id: 'doc-cycle' } }));
    expect(viaDoc.Item?.owner).toBe('doc');

    await lock.release();
    expect(await plain.acquire({ blocking: false })).toBe(true);
    expect(plain.fencingToken).toBe(lock.fencingToken! + 1);
    await plain.release();
  });

  test('waiters through a document client and through the client it wraps share one line in the process', async () => {
    const contended = { base: 0, doc: 0 };
    // The holder stands for another process: its own client, so its own line.
    const other = clientFor(backend);
    const holder = new DynamoDbLock('doc-line', { client: other, tableName, logger: false });
    await holder.acquire();
    const waiter = (via: 'base' | 'doc') =>
      new DynamoDbLock('doc-line', {
        client: via === 'base' ? base : doc,
        tableName,
        logger: false,
        hooks: { contended: () => void contended[via]++ },
      });
    const first = waiter('base');
    const second = waiter('doc');
    const firstGot = first.acquire();
    await delay(50);
    const secondGot = second.acquire();
    await delay(400);
    // Only the head of the line polls DynamoDB; the document client's waiter waits its turn.
    expect(contended.base).toBeGreaterThan(0);
    expect(contended.doc).toBe(0);
    await holder.release();
    expect(await firstGot).toBe(true);
    await first.release();
    expect(await secondGot).toBe(true);
    await second.release();
    other.destroy();
  });

  test('withLock takes it too', async () => {
    const token = await withLock('doc-with', async (lock) => lock.fencingToken, {
      client: doc,
      tableName,
      logger: false,
    });
    expect(Number.isSafeInteger(token)).toBe(true);
    expect(await readLock('doc-with', { client: doc, tableName })).toMatchObject({ state: 'released' });
  });
});
