import { afterAll, beforeAll, expect, test } from 'vitest';
import { DynamoDbLock } from '../src/index.js';
import { type LocalDynamo, startLocalDynamo } from '../src/testing.js';

let local: LocalDynamo;
beforeAll(async () => {
  local = await startLocalDynamo();
});
afterAll(async () => {
  await local.stop();
});

test('acquire and release', async () => {
  const a = new DynamoDbLock('r', { client: local.client, duration: 2 });
  const b = new DynamoDbLock('r', { client: local.client, duration: 2 });
  expect(await a.acquire()).toBe(true);
  expect(a.locked()).toBe(true);
  expect(await b.acquire({ blocking: false })).toBe(false);
  const t1 = a.fencingToken!;
  await a.release();
  expect(await b.acquire({ blocking: false })).toBe(true);
  expect(b.fencingToken).toBe(t1 + 1);
  await b.release();
});
