import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DynamoDbLock } from '../../src/index.js';
import { clientFor, dynalite, freshTable, readItem } from '../support/backends.js';
import { alive, cleanEnv, runCli, startCli, waitFor } from './cli-process.js';
import { runMain } from './fake-io.js';
import { isRelease, isRenewal, startProxy } from './proxy.js';

const backend = dynalite();
const client = clientFor(backend);
let table: string;
let dir: string;
const conn = (): string[] => ['--endpoint', backend.endpoint, '--table', table];
const node = (script: string, ...args: string[]): string[] => [process.execPath, '-e', script, ...args];
/** A command that writes the value of a JavaScript expression to `file`. */
const writes = (file: string, expression: string): string[] =>
  node(`require('fs').writeFileSync(process.argv[1], ${expression})`, file);

beforeAll(async () => {
  table = await freshTable(client, 'cli_run');
  dir = mkdtempSync(join(tmpdir(), 'dynamo-dlm-cli-'));
});
afterAll(() => {
  client.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const item = (resource: string) => readItem(client, table, resource);

/** A child that records its pid, then runs until killed; with `ignoreTerm` it survives SIGTERM. */
function sleeper(pidFile: string, termFile: string, ignoreTerm: boolean): string[] {
  return node(
    `const fs = require('fs');
     process.on('SIGTERM', () => { fs.writeFileSync(process.argv[2], 'term'); if (!${ignoreTerm}) process.exit(143); });
     fs.writeFileSync(process.argv[1], String(process.pid));
     setInterval(() => {}, 1000);`,
    pidFile,
    termFile,
  );
}

describe('dynamo-dlm run', () => {
  test('concurrent runs on one resource never overlap, and each child gets a greater fencing token', async () => {
    const log = join(dir, 'overlap.log');
    const child = node(
      `const fs = require('fs');
       const now = () => Number(process.hrtime.bigint()) / 1e6; // one clock for every process
       const s = now();
       setTimeout(() => fs.appendFileSync(process.argv[1], JSON.stringify({ s, e: now(),
         t: process.env.DYNAMO_DLM_FENCING_TOKEN, r: process.env.DYNAMO_DLM_RESOURCE }) + '\\n'), 700);`,
      log,
    );
    const runs = [1, 2, 3].map(() => runCli(['run', 'overlap', ...conn(), '--duration', '3', '--', ...child]));
    const results = await Promise.all(runs);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    const holds = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { s: number; e: number; t: string; r: string })
      .sort((a, b) => a.s - b.s);
    expect(holds).toHaveLength(3);
    for (const [i, hold] of holds.entries()) {
      expect(hold.r).toBe('overlap');
      expect(hold.t).toMatch(/^\d+$/);
      const previous = holds[i - 1];
      if (previous !== undefined) {
        expect(hold.s).toBeGreaterThanOrEqual(previous.e);
        expect(BigInt(hold.t)).toBeGreaterThan(BigInt(previous.t));
      }
    }
    // The last child's token is the one stored on the released item.
    expect((await item('overlap'))?.fencing_token?.N).toBe(holds[2]?.t);
  });

  test("exits with the command's exit code and releases the lock", async () => {
    const result = await runMain(['run', 'code', ...conn(), '--', ...node('process.exit(7)')]);
    expect(result.code).toBe(7);
    const stored = await item('code');
    expect(stored?.expires_ms?.N).toBe('0');
    expect(stored?.expires?.N).toBe('0');
  });

  test('exits 128+N when the command dies of signal N', async () => {
    const result = await runCli(['run', 'killed', ...conn(), '--', ...node("process.kill(process.pid, 'SIGKILL')")]);
    expect(result.signal).toBeNull();
    expect(result.code).toBe(137);
  });

  test('exits 127 when the command does not exist, and leaves the lock released', async () => {
    const result = await runMain(['run', 'missing', ...conn(), '--', 'no-such-command-dynamo-dlm-test']);
    expect(result.code).toBe(127);
    expect(result.stderr).toContain('cannot run `no-such-command-dynamo-dlm-test`');
    expect((await item('missing'))?.expires_ms?.N).toBe('0');
  });

  test('passes SIGTERM on to the command, exits 143 with it, and releases', async () => {
    const pidFile = join(dir, 'forward.pid');
    const termFile = join(dir, 'forward.term');
    const run = startCli(['run', 'forward', ...conn(), '--', ...sleeper(pidFile, termFile, false)]);
    const pid = await waitFor('the child to start', () =>
      existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '' ? Number(readFileSync(pidFile, 'utf8')) : undefined,
    );
    run.child.kill('SIGTERM');
    const result = await run.done;
    expect(result.code).toBe(143);
    expect(readFileSync(termFile, 'utf8')).toBe('term');
    expect(alive(pid)).toBe(false);
    expect((await item('forward'))?.expires_ms?.N).toBe('0');
  });

  test("without a terminal, SIGINT is passed on too; the exit code is the command's", async () => {
    const pidFile = join(dir, 'int.pid');
    const intFile = join(dir, 'int.got');
    const run = startCli([
      'run',
      'interrupted',
      ...conn(),
      '--',
      ...node(
        `const fs = require('fs');
         process.on('SIGINT', () => { fs.writeFileSync(process.argv[2], 'int'); process.exit(5); });
         fs.writeFileSync(process.argv[1], String(process.pid));
         setInterval(() => {}, 1000);`,
        pidFile,
        intFile,
      ),
    ]);
    await waitFor('the child to start', () =>
      existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '' ? true : undefined,
    );
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code).toBe(5);
    expect(readFileSync(intFile, 'utf8')).toBe('int');
    expect((await item('interrupted'))?.expires_ms?.N).toBe('0');
  });

  test('a signal while waiting cancels the wait: exit 130, the command never runs', async () => {
    const holder = new DynamoDbLock('cancelled', { client, tableName: table, duration: 20 });
    expect(await holder.acquire()).toBe(true);
    try {
      const marker = join(dir, 'cancelled.ran');
      const run = startCli(['run', 'cancelled', ...conn(), '--verbose', '--', ...writes(marker, "'ran'")]);
      await waitFor('the wait to begin', () =>
        run.output().stderr.includes('waiting for `cancelled`') ? true : undefined,
      );
      run.child.kill('SIGINT');
      const result = await run.done;
      expect(result.code).toBe(130);
      expect(result.stderr).toContain('SIGINT: stopped waiting for `cancelled`');
      expect(existsSync(marker)).toBe(false);
      expect(holder.locked()).toBe(true);
    } finally {
      await holder.release();
    }
  });

  test('--no-wait exits 75 without running the command when the lock is held elsewhere', async () => {
    const holder = new DynamoDbLock('busy', { client, tableName: table, duration: 20 });
    expect(await holder.acquire()).toBe(true);
    try {
      const marker = join(dir, 'nowait.ran');
      const result = await runMain(['run', 'busy', ...conn(), '--no-wait', '--', ...writes(marker, "'ran'")]);
      expect(result.code).toBe(75);
      expect(result.stderr).toContain('held elsewhere');
      expect(existsSync(marker)).toBe(false);
    } finally {
      await holder.release();
    }
  });

  test('--timeout exits 124; --verbose shows who holds the lock while waiting', async () => {
    const holder = new DynamoDbLock('waited', { client, tableName: table, duration: 20, owner: 'nightly-1' });
    expect(await holder.acquire()).toBe(true);
    try {
      const result = await runMain(['run', 'waited', ...conn(), '--timeout', '1.5', '--verbose', '--', 'true']);
      expect(result.code).toBe(124);
      expect(result.stderr).toContain('timed out');
      expect(result.stderr).toMatch(/waiting for `waited`: held by nightly-1 \([0-9a-f]{8}, token \d+\) until /);
    } finally {
      await holder.release();
    }
  });

  test('when the lease is taken over, the command gets SIGTERM at once, then SIGKILL, and run exits 70', async () => {
    const pidFile = join(dir, 'lost.pid');
    const termFile = join(dir, 'lost.term');
    const run = runMain([
      'run',
      'lost',
      ...conn(),
      '--duration',
      '3',
      '--kill-after',
      '0.5',
      '--',
      ...sleeper(pidFile, termFile, true),
    ]);
    const pid = await waitFor('the child to start', () =>
      existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '' ? Number(readFileSync(pidFile, 'utf8')) : undefined,
    );
    // An operator clears the lock and someone else takes it: the runner's next renewal fails.
    const forced = await runMain(['release', '--force', 'lost', '--yes', ...conn()]);
    expect(forced.code).toBe(0);
    const thief = new DynamoDbLock('lost', { client, tableName: table, duration: 30 });
    expect(await thief.acquire({ blocking: false })).toBe(true);
    try {
      const result = await run;
      expect(result.code).toBe(70);
      expect(result.stderr).toContain('lost the lock on `lost` while the command ran (taken)');
      expect(result.stderr).toContain('the command is still running: SIGKILL');
      expect(readFileSync(termFile, 'utf8')).toBe('term');
      expect(alive(pid)).toBe(false);
      // The new holder was not disturbed.
      expect(thief.locked()).toBe(true);
    } finally {
      await thief.release();
    }
  });

  test('a command that ignores SIGTERM is dead before the lease ends when renewals stop getting through', async () => {
    const proxy = await startProxy(backend.endpoint);
    const pidFile = join(dir, 'hung.pid');
    const termFile = join(dir, 'hung.term');
    try {
      const run = startCli([
        'run',
        'hung',
        '--endpoint',
        proxy.endpoint,
        '--table',
        table,
        '--duration',
        '4',
        '--',
        ...sleeper(pidFile, termFile, true),
      ]);
      const pid = await waitFor('the child to start', () =>
        existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '' ? Number(readFileSync(pidFile, 'utf8')) : undefined,
      );
      // DynamoDB stops answering: every renewal hangs, and the lease runs out.
      proxy.mode = 'hang';
      const leaseEnd = Number((await item('hung'))?.expires_ms?.N);
      const diedAt = await waitFor('the child to die', () => (alive(pid) ? undefined : Date.now()), 30_000);
      // The last lease written is the one the holder had: its command was gone before it ended.
      expect((await item('hung'))?.expires_ms?.N).toBe(String(leaseEnd));
      expect(diedAt).toBeLessThan(leaseEnd);
      const result = await run.done;
      expect(result.code).toBe(70);
      expect(result.stderr).toContain('the lease on `hung` was not renewed in time');
      expect(result.stderr).toContain('the command is still running: SIGKILL');
      expect(readFileSync(termFile, 'utf8')).toBe('term');
      console.info(`the command died ${leaseEnd - diedAt} ms before the lease ended (SIGKILL due 800 ms before)`);
    } finally {
      await proxy.close();
    }
  });

  test("exits with the command's code and leaves the lock released when the release meets a transient failure", async () => {
    const proxy = await startProxy(backend.endpoint);
    try {
      proxy.drop(isRelease);
      const result = await runCli([
        'run',
        'retried',
        '--endpoint',
        proxy.endpoint,
        '--table',
        table,
        '--',
        ...node('process.exit(7)'),
      ]);
      expect(proxy.bodies.filter(isRelease)).toHaveLength(2);
      expect(result.code).toBe(7);
      expect((await item('retried'))?.expires_ms?.N).toBe('0');
    } finally {
      await proxy.close();
    }
  });

  test("exits with the command's code and leaves the lock released when the command ends while a renewal waits to retry", async () => {
    const proxy = await startProxy(backend.endpoint);
    const ended = join(dir, 'renewal.failed');
    try {
      // The first renewal (after 3.3 s of a 10 s lease) and its retries fail; at the first failure
      // the command ends, so that its release queues behind a renewal waiting for its retry.
      proxy.drop(isRenewal, 5, () => writeFileSync(ended, 'x'));
      const result = await runCli([
        'run',
        'renewed',
        '--endpoint',
        proxy.endpoint,
        '--table',
        table,
        '--',
        ...node("setInterval(() => { if (require('fs').existsSync(process.argv[1])) process.exit(7); }, 5)", ended),
      ]);
      expect(proxy.bodies.filter(isRenewal).length).toBeGreaterThanOrEqual(1);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 7, stderr: expect.any(String) });
      expect((await item('renewed'))?.expires_ms?.N).toBe('0');
    } finally {
      await proxy.close();
    }
  });

  test("keeps the SDK's Node-version notice out of its output, and the switch for it out of the command's environment", async () => {
    const out = join(dir, 'switch.out');
    const result = await runCli([
      'run',
      'quiet',
      ...conn(),
      '--',
      ...writes(out, 'String(process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED)'),
    ]);
    expect(result.code).toBe(0);
    // On Node 20 and 21 the SDK would warn when run builds its client; later Node versions never warn.
    expect(result.stderr).not.toContain('NodeVersionSupportWarning');
    expect(readFileSync(out, 'utf8')).toBe('undefined');
  });

  test('reads the table and endpoint from the environment when no flags are given', async () => {
    const out = join(dir, 'env.out');
    const result = await runCli(
      ['run', 'from-env', '--', ...writes(out, 'process.env.DYNAMO_DLM_FENCING_TOKEN')],
      cleanEnv({ AWS_ENDPOINT_URL_DYNAMODB: backend.endpoint, DYNAMO_DLM_TABLE: table }),
    );
    expect(result.code).toBe(0);
    expect((await item('from-env'))?.fencing_token?.N).toBe(readFileSync(out, 'utf8'));
  });
});
