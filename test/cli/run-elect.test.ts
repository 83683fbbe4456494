import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DynamoDbLock } from '../../src/index.js';
import { clientFor, dynalite, freshTable } from '../support/backends.js';
import { alive, type CliProcess, startCli, waitFor } from './cli-process.js';
import { fakeIo, runMain } from './fake-io.js';
import { startProxy } from './proxy.js';

const backend = dynalite();
const client = clientFor(backend);
let table: string;
let dir: string;
const conn = (): string[] => ['--endpoint', backend.endpoint, '--table', table];
const started: CliProcess[] = [];

beforeAll(async () => {
  table = await freshTable(client, 'cli_elect');
  dir = mkdtempSync(join(tmpdir(), 'dynamo-dlm-elect-'));
});
afterAll(() => {
  // A failed test may leave a detached `run` (and its command) behind: end those groups.
  for (const p of started) {
    if (p.child.pid !== undefined && p.child.exitCode === null) {
      try {
        process.kill(-p.child.pid, 'SIGKILL');
      } catch {}
    }
  }
  client.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function item(resource: string) {
  const out = await client.send(
    new GetItemCommand({ TableName: table, Key: { resource_id: { S: resource } }, ConsistentRead: true }),
  );
  return out.Item;
}

/**
 * A command that records into `log` (JSON lines) its start, a beat every 50 ms while it runs,
 * and SIGTERM, with its pid and fencing token. It exits 143 on SIGTERM, or ignores it with
 * `ignore`; with a number N it exits N by itself after 400 ms.
 */
function recorder(log: string, mode: 'exit-on-term' | 'ignore' | number = 'exit-on-term'): string[] {
  return [
    process.execPath,
    '-e',
    `const fs = require('fs');
     const [log, mode] = process.argv.slice(1);
     const rec = (k) => fs.appendFileSync(log, JSON.stringify({ pid: process.pid, k, t: Date.now(),
       token: process.env.DYNAMO_DLM_FENCING_TOKEN, resource: process.env.DYNAMO_DLM_RESOURCE }) + '\\n');
     rec('start');
     setInterval(() => rec('beat'), 50);
     process.on('SIGTERM', () => { rec('term'); if (mode !== 'ignore') process.exit(143); });
     if (/^\\d+$/.test(mode)) setTimeout(() => { rec('exit'); process.exit(Number(mode)); }, 400);`,
    log,
    String(mode),
  ];
}

/** One command's run: from its start to the last sign of life it recorded. */
interface Span {
  readonly pid: number;
  readonly token: bigint;
  readonly resource: string;
  readonly start: number;
  readonly end: number;
  readonly termed: boolean;
}

function spans(log: string): Span[] {
  if (!existsSync(log)) return [];
  const byPid = new Map<number, { token: string; resource: string; ts: number[]; termed: boolean }>();
  for (const line of readFileSync(log, 'utf8').trim().split('\n')) {
    if (line === '') continue;
    const r = JSON.parse(line) as { pid: number; k: string; t: number; token: string; resource: string };
    const s = byPid.get(r.pid) ?? { token: r.token, resource: r.resource, ts: [], termed: false };
    s.ts.push(r.t);
    if (r.k === 'term') s.termed = true;
    byPid.set(r.pid, s);
  }
  return [...byPid.entries()]
    .map(([pid, s]) => ({
      pid,
      token: BigInt(s.token),
      resource: s.resource,
      start: Math.min(...s.ts),
      end: Math.max(...s.ts),
      termed: s.termed,
    }))
    .sort((a, b) => a.start - b.start);
}

/** How many commands started before the one before them had stopped. */
function overlaps(list: readonly Span[]): number {
  let count = 0;
  for (let i = 1; i < list.length; i++) if ((list[i] as Span).start < (list[i - 1] as Span).end) count++;
  return count;
}

function elect(resource: string, log: string, extra: string[] = [], detached = true): CliProcess {
  const p = startCli(
    ['run', resource, '--elect', '--verbose', ...conn(), ...extra, '--', ...recorder(log)],
    undefined,
    {
      detached,
    },
  );
  started.push(p);
  return p;
}

/** Waits until `n` commands have started (recorded in `log`), and returns them. */
function commands(log: string, n: number, ms = 20_000): Promise<Span[]> {
  return waitFor(`${n} command(s) in ${log}`, () => (spans(log).length >= n ? spans(log) : undefined), ms);
}

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
});

describe('dynamo-dlm run --elect, two processes on one name', () => {
  test('SIGTERM to the leader: its command stops, the standby starts its own at once; never two at a time', async () => {
    const log = join(dir, 'handover.log');
    const a = elect('handover', log, ['--duration', '3']);
    const [first] = await commands(log, 1);
    const b = elect('handover', log, ['--duration', '3']);
    await waitFor('b to stand by', () => (b.output().stderr.includes('standing by') ? true : undefined));
    a.child.kill('SIGTERM');
    const resultA = await a.done;
    expect(resultA.code).toBe(143);
    const [, second] = await commands(log, 2);
    b.child.kill('SIGTERM');
    expect((await b.done).code).toBe(143);
    const ran = spans(log);
    expect(ran).toHaveLength(2);
    expect(overlaps(ran)).toBe(0);
    expect(ran[0]?.termed).toBe(true);
    expect(second!.token).toBeGreaterThan(first!.token);
    const gap = second!.start - ran[0]!.end;
    console.info(
      `run --elect handover after SIGTERM: the standby's command started ${gap} ms after the leader's stopped`,
    );
    // The lease is released, so the standby wins on its next poll, not after a lease.
    expect(gap).toBeLessThan(3_000);
  });

  test('SIGKILL of the leader (with its command): the standby starts its command within lease + skew + a poll', async () => {
    const log = join(dir, 'crash.log');
    const a = elect('crash', log, ['--duration', '3']);
    await commands(log, 1);
    const b = elect('crash', log, ['--duration', '3']);
    await waitFor('b to stand by', () => (b.output().stderr.includes('standing by') ? true : undefined));
    const killedAt = Date.now();
    process.kill(-(a.child.pid as number), 'SIGKILL');
    const [, second] = await commands(log, 2);
    b.child.kill('SIGTERM');
    await b.done;
    const ran = spans(log);
    expect(overlaps(ran)).toBe(0);
    const failover = second!.start - killedAt;
    console.info(
      `run --elect failover after SIGKILL (lease 3 s, skew allowance 1 s): the standby's command started ${failover} ms after the kill`,
    );
    // At most lease (3 s) + clock-skew allowance (1 s) + a poll, plus a generous allowance for a loaded machine.
    expect(failover).toBeLessThan(9_000);
  });

  test('a leader paused past its lease stops its command on resuming, and leads again once re-elected', async () => {
    const log = join(dir, 'paused.log');
    const a = elect('paused', log, ['--duration', '3']);
    const [first] = await commands(log, 1);
    const b = elect('paused', log, ['--duration', '3']);
    await waitFor('b to stand by', () => (b.output().stderr.includes('standing by') ? true : undefined));
    // A host or VM pause: the leader's `run` and its command stop together.
    process.kill(-(a.child.pid as number), 'SIGSTOP');
    const [, second] = await commands(log, 2);
    expect(second!.token).toBeGreaterThan(first!.token);
    const resumedAt = Date.now();
    process.kill(-(a.child.pid as number), 'SIGCONT');
    const diedAt = await waitFor('the paused leader to stop its command', () =>
      alive(first!.pid) ? undefined : Date.now(),
    );
    console.info(`run --elect after SIGCONT: the deposed leader's command was dead ${diedAt - resumedAt} ms later`);
    expect(diedAt - resumedAt).toBeLessThan(5_000);
    await waitFor('a to campaign again', () =>
      a.output().stderr.includes('campaigning for `paused` again') ? true : undefined,
    );
    expect(a.child.exitCode).toBeNull();
    // The new leader resigns: the old one is elected again and runs its command afresh.
    b.child.kill('SIGTERM');
    expect((await b.done).code).toBe(143);
    const [, , third] = await commands(log, 3);
    expect(third!.token).toBeGreaterThan(second!.token);
    a.child.kill('SIGTERM');
    expect((await a.done).code).toBe(143);
    // Apart from the pause (both commands existed; the paused one could not run), one at a time.
    expect(overlaps(spans(log).slice(1))).toBe(0);
  });

  test('renewals failing: a command that ignores SIGTERM is dead before the lease ends; elected again, it runs again', async () => {
    const proxy = await startProxy(backend.endpoint);
    const log = join(dir, 'hung.log');
    try {
      const run = startCli(
        [
          'run',
          'hung',
          '--elect',
          '--verbose',
          '--endpoint',
          proxy.endpoint,
          '--table',
          table,
          '--duration',
          '4',
          '--',
          ...recorder(log, 'ignore'),
        ],
        undefined,
        { detached: true },
      );
      started.push(run);
      const [first] = await commands(log, 1);
      // DynamoDB stops answering: every renewal hangs, and the lease runs out.
      proxy.mode = 'hang';
      const leaseEnd = Number((await item('hung'))?.expires_ms?.N);
      const diedAt = await waitFor('the command to die', () => (alive(first!.pid) ? undefined : Date.now()), 30_000);
      // The last lease written is the one the leader had: its command was gone before it ended.
      expect((await item('hung'))?.expires_ms?.N).toBe(String(leaseEnd));
      expect(diedAt).toBeLessThan(leaseEnd);
      expect(spans(log)[0]?.termed).toBe(true);
      console.info(
        `run --elect: the command died ${leaseEnd - diedAt} ms before the lease ended (SIGKILL due 800 ms before)`,
      );
      const out = run.output().stderr;
      expect(out).toContain('the lease on `hung` was not renewed in time');
      expect(out).toContain('the command is still running: SIGKILL');
      // DynamoDB answers again: still campaigning, it is elected and runs the command afresh.
      proxy.mode = 'forward';
      const [, second] = await commands(log, 2);
      expect(second!.token).toBeGreaterThan(first!.token);
      run.child.kill('SIGTERM');
      const result = await run.done;
      // The command ignores SIGTERM: SIGKILL after --kill-after.
      expect(result.code).toBe(137);
      expect(overlaps(spans(log))).toBe(0);
    } finally {
      await proxy.close();
    }
  });
});
