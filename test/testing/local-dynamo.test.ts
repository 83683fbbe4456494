import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DescribeTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, test } from 'vitest';
import { DynamoDbError, DynamoDbLock, defaults, resetDefaults } from '../../src/index.js';
import { startLocalDynamo } from '../../src/testing.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('dynamo-dlm/testing: startLocalDynamo', () => {
  test('starts on 127.0.0.1 with the lock table, the lock works on it, and stop ends it', async () => {
    const local = await startLocalDynamo();
    let stopped = false;
    try {
      expect(local.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const { Table } = await local.client.send(new DescribeTableCommand({ TableName: 'dynamo_dlm_locks' }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.KeySchema).toEqual([{ AttributeName: 'resource_id', KeyType: 'HASH' }]);

      const a = new DynamoDbLock('t', { client: local.client, duration: 5 });
      const b = new DynamoDbLock('t', { client: local.client, duration: 5 });
      expect(await a.acquire()).toBe(true);
      expect(await b.acquire({ blocking: false })).toBe(false);
      await a.release();
      expect(await b.acquire({ blocking: false })).toBe(true);
      expect(b.fencingToken).toBe((a.fencingToken ?? 0) + 1);
      await b.release();

      await local.stop();
      stopped = true;
      // Stopping twice is harmless, and the port no longer answers.
      await local.stop();
      const probe = new DynamoDbLock('t', { client: local.client, duration: 5, logger: false });
      await expect(probe.acquire({ blocking: false })).rejects.toThrow();
    } finally {
      if (!stopped) await local.stop();
    }
  });

  test('tableName: false creates no table; a name creates that one', async () => {
    const bare = await startLocalDynamo({ tableName: false });
    try {
      expect((await bare.client.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    } finally {
      await bare.stop();
    }
    const named = await startLocalDynamo({ tableName: 'my_locks' });
    try {
      expect((await named.client.send(new ListTablesCommand({}))).TableNames).toEqual(['my_locks']);
    } finally {
      await named.stop();
    }
  });

  test('with no tableName it creates the table a lock built with no tableName uses: defaults.tableName', async () => {
    defaults.tableName = 'changed_default';
    try {
      const local = await startLocalDynamo();
      try {
        expect((await local.client.send(new ListTablesCommand({}))).TableNames).toEqual(['changed_default']);
        const lock = new DynamoDbLock('t', { client: local.client, duration: 5 });
        expect(await lock.acquire({ blocking: false })).toBe(true);
        await lock.release();
      } finally {
        await local.stop();
      }
    } finally {
      resetDefaults();
    }
  });

  test('a port already taken: a DynamoDbError (a DynamoDlmError) saying so, not a bare Error', async () => {
    const first = await startLocalDynamo({ tableName: false });
    try {
      const port = Number(new URL(first.endpoint).port);
      const error = await startLocalDynamo({ port, tableName: false }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DynamoDbError);
      expect((error as Error).message).toMatch(new RegExp(`could not start on port ${port}.*EADDRINUSE`));
    } finally {
      await first.stop();
    }
  });

  test('path keeps the data on disk across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dynamo-dlm-testing-'));
    try {
      const first = await startLocalDynamo({ path: dir });
      const lock = new DynamoDbLock('kept', { client: first.client, duration: 5 });
      await lock.acquire();
      await lock.release();
      await first.stop();

      const second = await startLocalDynamo({ path: dir });
      try {
        const next = new DynamoDbLock('kept', { client: second.client, duration: 5 });
        expect(await next.acquire({ blocking: false })).toBe(true);
        // The token counter survived the restart.
        expect(next.fencingToken).toBe((lock.fencingToken ?? 0) + 1);
        await next.release();
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('as a user imports it: the built `dynamo-dlm/testing` subpath, and the process exits after stop', async () => {
    const script = `
      import { startLocalDynamo } from 'dynamo-dlm/testing';
      import { withLock } from 'dynamo-dlm';
      const local = await startLocalDynamo();
      const token = await withLock('job', (lock) => lock.fencingToken, { client: local.client });
      await local.stop();
      console.log(JSON.stringify({ endpoint: local.endpoint, token }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      timeout: 20_000,
    });
    const result = JSON.parse(stdout) as { endpoint: string; token: number };
    expect(result.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Number.isSafeInteger(result.token) && result.token > 0).toBe(true);
  });
});
