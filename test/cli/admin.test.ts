import { type AddressInfo, createServer, type Socket } from 'node:net';
import { DescribeTableCommand, GetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DynamoDbLock } from '../../src/index.js';
import { clientFor, dynalite, freshTable } from '../support/backends.js';
import { fakeIo, runMain } from './fake-io.js';

const runCli = runMain;

const backend = dynalite();
const client = clientFor(backend);
let table: string;
const conn = (): string[] => ['--endpoint', backend.endpoint, '--table', table];

beforeAll(async () => {
  table = await freshTable(client, 'cli_admin');
});
afterAll(() => client.destroy());

describe('dynamo-dlm create-table', () => {
  test('creates the table with the lock key schema, and is safe to run again', async () => {
    const name = `cli_created_${process.pid}_${Date.now().toString(36)}`;
    const first = await runCli(['create-table', '--endpoint', backend.endpoint, '--table', name]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`created ${name}`);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'resource_id', KeyType: 'HASH' }]);
    const again = await runCli(['create-table', '--endpoint', backend.endpoint, '--table', name]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already exists');
  });
});

describe('dynamo-dlm status, list and release --force', () => {
  test('status shows a free, a held and a released lock', async () => {
    const free = await runCli(['status', 'never', ...conn()]);
    expect(free.code).toBe(0);
    expect(free.stdout.trim()).toBe('never: free (no lock item)');

    const lock = new DynamoDbLock('shown', {
      client,
      tableName: table,
      duration: 30,
      owner: 'billing-7',
      data: '{"batch":12}',
    });
    await lock.acquire();
    const held = await runCli(['status', 'shown', ...conn(), '--json']);
    expect(held.code).toBe(0);
    const json = JSON.parse(held.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({
      resourceId: 'shown',
      state: 'held',
      owner: 'billing-7',
      data: '{"batch":12}',
      fencingToken: lock.fencingToken,
    });
    expect(json.holder).toMatch(/^[0-9a-f]{8}$/);
    expect(Date.parse(json.expiresAt as string)).toBe(lock.expiresAt?.getTime());
    expect(json.timeLeftMs).toBeGreaterThan(25_000);
    expect(json.timeLeftMs).toBeLessThanOrEqual(30_000);

    const text = await runCli(['status', 'shown', ...conn()]);
    expect(text.stdout.trim()).toMatch(
      /^shown: held by billing-7 \([0-9a-f]{8}\) until \S+ \(\d+ s left\), fencing token \d+; data "\{\\"batch\\":12\}"$/,
    );
    await lock.release();
    const released = await runCli(['status', 'shown', ...conn()]);
    expect(released.stdout).toContain(`free (released by billing-7, last fencing token ${lock.fencingToken})`);
  });

  test('list shows every lock, across Scan pages, sorted by resource', async () => {
    const listTable = await freshTable(client, 'cli_list');
    // Four released markers padded to ~350 KB each: more than Scan's 1 MB page, so list must follow
    // LastEvaluatedKey to show them all.
    for (const name of ['delta', 'alpha', 'gamma', 'beta']) {
      await client.send(
        new PutItemCommand({
          TableName: listTable,
          Item: {
            resource_id: { S: name },
            release_code: { S: 'a'.repeat(32) },
            expires: { N: '0' },
            expires_ms: { N: '0' },
            fencing_token: { N: '5' },
            pad: { S: 'x'.repeat(350_000) },
          },
        }),
      );
    }
    const firstPage = await client.send(new ScanCommand({ TableName: listTable }));
    expect(firstPage.LastEvaluatedKey).toBeDefined();
    const held = new DynamoDbLock('zeta', { client, tableName: listTable, duration: 30, owner: 'w-9', data: 'step 3' });
    await held.acquire();
    const result = await runCli(['list', '--endpoint', backend.endpoint, '--table', listTable]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^RESOURCE\s+STATE\s+OWNER\s+HOLDER\s+EXPIRES\s+LEFT\s+TOKEN\s+DATA$/);
    expect(lines.at(-1)).toMatch(/^zeta\s+held\s+w-9\s+[0-9a-f]{8}\s+\S+\s+\d+ s\s+\d+\s+"step 3"$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 2))).toEqual([
      ['alpha', 'released'],
      ['beta', 'released'],
      ['delta', 'released'],
      ['gamma', 'released'],
      ['zeta', 'held'],
    ]);
    const json = await runCli(['list', '--endpoint', backend.endpoint, '--table', listTable, '--json']);
    const parsed = JSON.parse(json.stdout) as { resourceId: string; owner: string | null; data: string | null }[];
    expect(parsed.at(-1)).toMatchObject({ resourceId: 'zeta', owner: 'w-9', data: 'step 3' });
    expect(parsed.map((v) => v.resourceId)).toEqual(['alpha', 'beta', 'delta', 'gamma', 'zeta']);
    await held.release();
  });

  test('release --force turns a held lock into a released marker and keeps the token counter', async () => {
    const lock = new DynamoDbLock('stuck', { client, tableName: table, duration: 30, logger: false });
    await lock.acquire();
    const token = lock.fencingToken ?? 0;
    const result = await runCli(['release', '--force', 'stuck', '--yes', ...conn()]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^released stuck \\(was held by [0-9a-f]{8}, fencing token ${token}\\)`));
    const { Item } = await client.send(
      new GetItemCommand({ TableName: table, Key: { resource_id: { S: 'stuck' } }, ConsistentRead: true }),
    );
    expect(Item?.expires?.N).toBe('0');
    expect(Item?.expires_ms?.N).toBe('0');
    expect(Item?.fencing_token?.N).toBe(String(token));
    expect(Item?.release_code?.S).toMatch(/^forced-/);

    // The old holder learns it lost the lock; the next holder gets a greater token at once.
    await expect(lock.release()).rejects.toMatchObject({ code: 'LOCK_LOST', reason: 'taken' });
    const next = new DynamoDbLock('stuck', { client, tableName: table, duration: 30 });
    expect(await next.acquire({ blocking: false })).toBe(true);
    expect(next.fencingToken).toBe(token + 1);
    expect(next.tookOver).toBe(false);
    await next.release();

    const status = await runCli(['status', 'stuck', ...conn()]);
    expect(status.stdout).toContain('free (released');
  });

  test('release --force of a missing lock creates nothing', async () => {
    const result = await runCli(['release', '--force', 'ghost', '--yes', ...conn()]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('nothing to release');
    const { Item } = await client.send(
      new GetItemCommand({ TableName: table, Key: { resource_id: { S: 'ghost' } }, ConsistentRead: true }),
    );
    expect(Item).toBeUndefined();
  });

  test('release without --force, or without --yes off a terminal, is a usage error', async () => {
    const noForce = await runCli(['release', 'stuck', '--yes', ...conn()]);
    expect(noForce.code).toBe(2);
    expect(noForce.stderr).toContain('needs --force');
    const noYes = await runCli(['release', '--force', 'stuck', ...conn()]);
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toContain('add --yes');
  });

  test('a missing table is reported with exit code 1', async () => {
    const result = await runCli(['status', 'x', '--endpoint', backend.endpoint, '--table', 'no_such_table_here']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('`no_such_table_here` was not found');
  });
});

describe('release --force evicts only the holder it showed', () => {
  test('the lock changes hands between show and confirm: refused, and the new holder keeps it', async () => {
    const stuck = new DynamoDbLock('handover', { client, tableName: table, duration: 30, logger: false });
    await stuck.acquire();
    const healthy = new DynamoDbLock('handover', { client, tableName: table, duration: 30, logger: false });
    // While the operator reads the prompt, the stuck holder lets go and a healthy process takes the lock.
    const meanwhile = async (): Promise<string> => {
      await stuck.release();
      expect(await healthy.acquire({ blocking: false })).toBe(true);
      return 'y';
    };
    const io = fakeIo({}, [meanwhile], true);
    const result = await runCli(['release', '--force', 'handover', ...conn()], io);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /not released: the lock on `handover` changed hands after it was read \(it was held by [0-9a-f]{8}, fencing token \d+\); the new holder keeps it\. Now: handover: held by/,
    );
    // The new holder is untouched: it still renews and releases.
    expect(await holderCode('handover')).not.toMatch(/^forced-/);
    await expect(healthy.extend()).resolves.toBeUndefined();
    expect(healthy.locked()).toBe(true);
    await healthy.release();
  });

  test('--token: refused unless the fencing token is still the one given', async () => {
    const lock = new DynamoDbLock('tokened', { client, tableName: table, duration: 30, logger: false });
    await lock.acquire();
    const token = lock.fencingToken ?? 0;
    const wrong = await runCli(['release', '--force', 'tokened', '--yes', '--token', String(token - 1), ...conn()]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`not released: the fencing token of \`tokened\` is ${token}, not ${token - 1}`);
    expect(lock.locked()).toBe(true);
    await lock.extend();
    const right = await runCli(['release', '--force', 'tokened', '--yes', '--token', String(token), ...conn()]);
    expect(right.code).toBe(0);
    await expect(lock.release()).rejects.toMatchObject({ code: 'LOCK_LOST' });
  });

  test('on a terminal it asks; anything but yes releases nothing', async () => {
    const lock = new DynamoDbLock('asked', { client, tableName: table, duration: 30, logger: false });
    await lock.acquire();
    const result = await runCli(['release', '--force', 'asked', ...conn()], fakeIo({}, ['n'], true));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('not released');
    await lock.release();
  });
});

describe('a hung endpoint', () => {
  test('status fails within a bounded time with a clear error, exit 1', async () => {
    // Accepts connections and never answers.
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const started = Date.now();
      const result = await runCli(['status', 'job', '--endpoint', `http://127.0.0.1:${port}`, '--table', 'hung_table']);
      const elapsed = Date.now() - started;
      expect(result.code).toBe(1);
      // The client's request timeout and readLock's own cut-off are both 5 s: either may speak,
      // and both say that DynamoDB (named) never answered, not that it failed.
      expect(result.stderr).toMatch(
        /^dynamo-dlm: GetItem of `job` got no answer from DynamoDB at http:\/\/127\.0\.0\.1:\d+(: TimeoutError: .*requestTimeout| within 5 s: AbortError)/,
      );
      // Reported, not asserted: the request timeout is 5 s.
      console.info(`status against a hung endpoint failed after ${elapsed} ms`);
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  }, 20_000);
});

async function holderCode(resource: string): Promise<string | undefined> {
  const { Item } = await client.send(
    new GetItemCommand({ TableName: table, Key: { resource_id: { S: resource } }, ConsistentRead: true }),
  );
  return Item?.release_code?.S;
}
