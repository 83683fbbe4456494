import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DynamoDbLock } from '../src/index.js';
import { backends, clientFor, freshTable } from './support/backends.js';

describe.each(backends())('smoke on $name', (backend) => {
  const client = clientFor(backend);
  let tableName: string;
  beforeAll(async () => {
    tableName = await freshTable(client);
  });
  afterAll(() => client.destroy());

  test('a second instance is refused while the first holds the lock, and gets the next token', async () => {
    const a = new DynamoDbLock('r', { client, tableName, duration: 2 });
    const b = new DynamoDbLock('r', { client, tableName, duration: 2 });
    expect(await a.acquire()).toBe(true);
    expect(a.locked()).toBe(true);
    expect(await b.acquire({ blocking: false })).toBe(false);
    const first = a.fencingToken!;
    await a.release();
    expect(await b.acquire({ blocking: false })).toBe(true);
    expect(b.fencingToken).toBe(first + 1);
    await b.release();
  });
});
