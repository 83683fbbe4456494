import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { clientFor, dynalite, freshTable, readItem } from '../support/backends.js';
import { alive, type CliProcess, startCli, waitFor } from './cli-process.js';
import { commands, overlaps, recorder, spans } from './command-recorder.js';
import { startProxy } from './proxy.js';

// `run --elect` as users start it: several instances of the built CLI on one election.
const backend = dynalite();
const client = clientFor(backend);
let table: string;
let dir: string;
const conn = (): string[] => ['--endpoint', backend.endpoint, '--table', table];
const started: CliProcess[] = [];

beforeAll(async () => {
  table = await freshTable(client, 'cli_elect_processes');
  dir = mkdtempSync(join(tmpdir(), 'dynamo-dlm-elect-processes-'));
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

const item = (resource: string) => readItem(client, table, resource);

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

describe('dynamo-dlm run --elect, processes on one name', () => {
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
