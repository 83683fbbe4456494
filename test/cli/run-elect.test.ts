import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DynamoDbLock } from '../../src/index.js';
import { clientFor, dynalite, freshTable, readItem } from '../support/backends.js';
import { alive, waitFor } from './cli-process.js';
import { commands, overlaps, recorder, spans } from './command-recorder.js';
import { fakeIo, runMain } from './fake-io.js';

// `run --elect` in the test's own process, so that coverage sees it; the multi-process
// behaviour (two instances, SIGKILL, SIGSTOP) is in run-elect-processes.test.ts.
const backend = dynalite();
const client = clientFor(backend);
let table: string;
let dir: string;
const conn = (): string[] => ['--endpoint', backend.endpoint, '--table', table];

beforeAll(async () => {
  table = await freshTable(client, 'cli_elect');
  dir = mkdtempSync(join(tmpdir(), 'dynamo-dlm-elect-'));
});
afterAll(() => {
  client.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const item = (resource: string) => readItem(client, table, resource);

describe('dynamo-dlm run --elect, in-process', () => {
  test('a command that exits by itself while leading: run resigns and exits with its code; the standby then leads', async () => {
    const log = join(dir, 'own-exit.log');
    const args = (code: number) => [
      'run',
      'own-exit',
      '--elect',
      ...conn(),
      '--duration',
      '3',
      '--',
      ...recorder(log, code),
    ];
    const first = runMain(args(3));
    const [leader] = await commands(log, 1);
    const second = runMain(args(4));
    const results = await Promise.all([first, second]);
    expect(results.map((r) => r.code)).toEqual([3, 4]);
    const ran = spans(log);
    expect(ran).toHaveLength(2);
    expect(ran[0]?.pid).toBe(leader?.pid);
    expect(overlaps(ran)).toBe(0);
    expect(ran.map((s) => s.resource)).toEqual(['own-exit', 'own-exit']);
    // Each command got its own term, as the fencing token: strictly increasing.
    expect(ran[1]!.token).toBeGreaterThan(ran[0]!.token);
    const stored = await item('own-exit');
    expect(stored?.fencing_token?.N).toBe(String(ran[1]!.token));
    expect(stored?.expires_ms?.N).toBe('0');
  });

  test('a command that cannot be started: 127, and the leadership is released', async () => {
    const result = await runMain(['run', 'no-cmd', '--elect', ...conn(), '--', 'no-such-command-dynamo-dlm-test']);
    expect(result.code).toBe(127);
    expect(result.stderr).toContain('cannot run `no-such-command-dynamo-dlm-test`');
    expect((await item('no-cmd'))?.expires_ms?.N).toBe('0');
  });

  test('SIGTERM while standing by: exits 143 without running the command; the leader is not disturbed', async () => {
    const holder = new DynamoDbLock('standby', { client, tableName: table, duration: 20 });
    expect(await holder.acquire()).toBe(true);
    try {
      const log = join(dir, 'standby.log');
      const io = fakeIo();
      const run = runMain(['run', 'standby', '--elect', '--verbose', ...conn(), '--', ...recorder(log)], io);
      await waitFor('standing by', () => (io.stderr.some((l) => l.includes('standing by')) ? true : undefined));
      // The handler `run` installed answers it; no real signal reaches the test's process.
      process.emit('SIGTERM', 'SIGTERM');
      const result = await run;
      expect(result.code).toBe(143);
      expect(existsSync(log)).toBe(false);
      expect(holder.locked()).toBe(true);
    } finally {
      await holder.release();
    }
  });

  test('taken over while leading: the command is stopped and run campaigns on; re-elected, it runs again; SIGTERM resigns', async () => {
    const log = join(dir, 'taken.log');
    const io = fakeIo();
    const run = runMain(
      ['run', 'taken', '--elect', '--verbose', ...conn(), '--duration', '3', '--', ...recorder(log)],
      io,
    );
    const [first] = await commands(log, 1);
    // An operator clears the lock and someone else takes it: the leader's next renewal fails.
    expect((await runMain(['release', '--force', 'taken', '--yes', ...conn()])).code).toBe(0);
    const thief = new DynamoDbLock('taken', { client, tableName: table, duration: 30 });
    expect(await thief.acquire({ blocking: false })).toBe(true);
    await waitFor('the command to stop', () => (alive(first!.pid) ? undefined : true));
    await waitFor('run to campaign again', () =>
      io.stderr.some((l) => l.includes('campaigning for `taken` again')) ? true : undefined,
    );
    expect(io.stderr.join('\n')).toContain('lost the leadership of `taken` (taken) while the command ran');
    expect(spans(log)[0]?.termed).toBe(true);
    await thief.release();
    const [, second] = await commands(log, 2);
    expect(second!.token).toBeGreaterThan(first!.token);
    process.emit('SIGTERM', 'SIGTERM');
    const result = await run;
    // The command got the SIGTERM and exited 143 with it: run's exit code is the command's.
    expect(result.code).toBe(143);
    expect(spans(log)[1]?.termed).toBe(true);
    expect((await item('taken'))?.expires_ms?.N).toBe('0');
    expect(overlaps(spans(log))).toBe(0);
  });

  test('bad flags are usage errors before any request', async () => {
    const noWait = await runMain([
      'run',
      'x',
      '--elect',
      '--no-wait',
      '--endpoint',
      'http://127.0.0.1:9',
      '--',
      'true',
    ]);
    expect(noWait.code).toBe(2);
    expect(noWait.stderr).toContain('--elect campaigns until it leads: it excludes --no-wait');
    const timeout = await runMain([
      'run',
      'x',
      '--elect',
      '--timeout',
      '3',
      '--endpoint',
      'http://127.0.0.1:9',
      '--',
      'true',
    ]);
    expect(timeout.code).toBe(2);
    const help = await runMain(['run', '--help']);
    expect(help.stdout).toContain('--elect');
    expect(help.stdout).toContain('With --elect, every instance');
  });

  test('a missing table: exits 1 and names it', async () => {
    const result = await runMain([
      'run',
      'x',
      '--elect',
      '--endpoint',
      backend.endpoint,
      '--table',
      'no_such_table_elect',
      '--',
      'true',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no_such_table_elect');
  });

  test('DynamoDB unreachable from the start: exits 1 and says so', async () => {
    const result = await runMain([
      'run',
      'x',
      '--elect',
      '--endpoint',
      'http://127.0.0.1:9',
      '--table',
      'locks',
      '--',
      'true',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot reach DynamoDB at http://127.0.0.1:9');
  });

  test('no region: exits 1 at once with the error, instead of retrying it every duration', async () => {
    // The SDK reads the region from the process environment and config files: take both away
    // (and give it credentials, so that nothing looks further).
    const saved = { ...process.env };
    for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE']) delete process.env[name];
    Object.assign(process.env, {
      AWS_CONFIG_FILE: join(dir, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    try {
      const started = performance.now();
      // Not a loopback endpoint, so the CLI supplies no region of its own.
      const result = await runMain(
        ['run', 'x', '--elect', '--endpoint', 'http://dynamodb.example.invalid:8000', '--table', 'locks', '--', 'true'],
        fakeIo({}),
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/no region/);
      expect(performance.now() - started).toBeLessThan(10_000);
    } finally {
      process.env = saved;
    }
  });

  test('the table deleted while standing by: the election stops, and run exits 1 with the error', async () => {
    const { DeleteTableCommand } = await import('@aws-sdk/client-dynamodb');
    const doomed = await freshTable(client, 'cli_elect_doomed');
    const holder = new DynamoDbLock('standby', { client, tableName: doomed, duration: 30, logger: false });
    expect(await holder.acquire()).toBe(true);
    const run = runMain(['run', 'standby', '--elect', ...conn().slice(0, 2), '--table', doomed, '--', 'true']);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await client.send(new DeleteTableCommand({ TableName: doomed }));
    const result = await run;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`DynamoDB table \`${doomed}\` was not found`);
    holder.release().catch(() => undefined);
  });
});
