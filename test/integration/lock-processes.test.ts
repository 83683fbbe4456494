import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DynamoDbLock } from '../../src/index.js';
import { fencedWrite, readStore } from '../fixtures/fenced-store.mjs';
import { clientFor, dynalite, freshTable, readItem } from '../support/backends.js';
import { startWorker } from '../support/child-workers.js';
import { ensureBuilt } from '../support/processes.js';
import { delay } from './helpers.js';

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly events: Record<string, unknown>[];
  readonly stderr: string;
  readonly ms: number;
}

/** A running worker: its pid, the JSON lines it has printed so far, and its end. */
interface Worker {
  readonly pid: number;
  readonly events: Record<string, unknown>[];
  readonly done: Promise<Run>;
  /** Resolves with the first event for which `match` holds. */
  next(match: (event: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

describe('multiple processes on dynalite', () => {
  const backend = dynalite();
  const client = clientFor(backend);
  let tableName: string;
  let dir: string;
  const children = new Set<number>();

  function start(script: string, args: string[]): Worker {
    const started = performance.now();
    const worker = startWorker(script, args, { DLM_ENDPOINT: backend.endpoint, DLM_TABLE: tableName });
    children.add(worker.pid);
    const done = worker.done.then((exit): Run => {
      children.delete(worker.pid);
      return { ...exit, events: worker.events, ms: performance.now() - started };
    });
    return { pid: worker.pid, events: worker.events, done, next: worker.next };
  }

  beforeAll(async () => {
    ensureBuilt();
    tableName = await freshTable(client, 'procs');
    dir = mkdtempSync(join(tmpdir(), 'dlm-procs-'));
  });
  afterAll(() => {
    for (const pid of children) {
      try {
        process.kill(pid, 'SIGCONT');
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    client.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  test('mutual exclusion: 4 processes x 10 read-modify-write increments lose no update and never overlap', async () => {
    const counter = join(dir, 'counter');
    writeFileSync(counter, '0');
    const workers = Array.from({ length: 4 }, () => start('counter-worker.mjs', ['counter', counter, '10']));
    const runs = await Promise.all(workers.map((w) => w.done));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    expect(Number(readFileSync(counter, 'utf8'))).toBe(40);
    const intervals = runs
      .flatMap((r) => r.events as { start: number; end: number; token: number; pid: number }[])
      .sort((a, b) => a.start - b.start);
    expect(intervals).toHaveLength(40);
    expect(new Set(intervals.map((i) => i.pid)).size).toBe(4);
    for (let i = 1; i < intervals.length; i++) {
      // The next critical section starts after the previous one ended, with the next token.
      expect(intervals[i]!.start).toBeGreaterThanOrEqual(intervals[i - 1]!.end);
      expect(intervals[i]!.token).toBeGreaterThan(intervals[i - 1]!.token);
    }
  }, 60_000);

  test('mutual exclusion through the queue: 6 processes x 8 increments behind an item that says holds are long, none lost, none overlapping', async () => {
    // An item that says holds last 2 s, held for another second by a holder that never releases:
    // every worker waits past 300 ms for it, so the waiters queue (tickets, the head's heartbeat,
    // a take as the head) whatever the machine's load does to their start times, and poll once
    // the releases record short holds.
    const now = Date.now();
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { resource_id: { S: 'counter-queued' } },
        UpdateExpression:
          'SET avg_hold_ms = :h, last_hold_ms = :h, acquired_ms = :a, expires = :s, expires_ms = :e, release_code = :c',
        ExpressionAttributeValues: {
          ':h': { N: '2000' },
          ':a': { N: String(now - 2_000) },
          ':e': { N: String(now + 1_000) },
          ':s': { N: String(Math.ceil((now + 1_000) / 1_000)) },
          ':c': { S: 'seed' },
        },
      }),
    );
    const counter = join(dir, 'counter-queued');
    writeFileSync(counter, '0');
    const workers = Array.from({ length: 6 }, () => start('counter-worker.mjs', ['counter-queued', counter, '8']));
    const runs = await Promise.all(workers.map((w) => w.done));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    expect(Number(readFileSync(counter, 'utf8'))).toBe(48);
    const intervals = runs
      .flatMap((r) => r.events as { start: number; end: number; token: number }[])
      .sort((a, b) => a.start - b.start);
    expect(intervals).toHaveLength(48);
    for (let i = 1; i < intervals.length; i++) {
      expect(intervals[i]!.start).toBeGreaterThanOrEqual(intervals[i - 1]!.end);
    }
    // The queue was used: tickets were handed out and served.
    const left = await readItem(client, tableName, 'counter-queued');
    expect(Number(left?.next_ticket?.N)).toBeGreaterThan(0);
    expect(Number(left?.serving?.N)).toBeGreaterThan(0);
  }, 90_000);

  test('fencing: tokens strictly increase over many acquisitions from several processes, with expiry takeovers', async () => {
    const modes = ['abandon', 'release', 'abandon', 'release'];
    const runs = await Promise.all(modes.map((mode) => start('fencing-worker.mjs', ['fencing', '6', mode]).done));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const acquisitions = runs
      .flatMap((r) => r.events as { at?: number; token: number; tookOver: boolean; abandoned?: boolean }[])
      .filter((e): e is typeof e & { at: number } => e.at !== undefined)
      .sort((a, b) => a.at - b.at);
    expect(acquisitions).toHaveLength(4 * 6 + 2);
    expect(new Set(acquisitions.map((a) => a.token)).size).toBe(acquisitions.length);
    for (let i = 1; i < acquisitions.length; i++) {
      expect(acquisitions[i]!.token).toBeGreaterThan(acquisitions[i - 1]!.token);
    }
    // At most one abandoned lease can be the last; the others were taken over by a live worker.
    const abandoned = acquisitions.filter((a) => a.abandoned).length;
    const takeovers = acquisitions.filter((a) => a.tookOver).length;
    expect(abandoned).toBe(2);
    expect(takeovers).toBeGreaterThanOrEqual(1);
    // And a later acquire takes over whatever was left, with a still larger token.
    const last = new DynamoDbLock('fencing', { client, tableName, logger: false, clockSkewAllowance: 0 });
    expect(await last.acquire({ timeout: 5 })).toBe(true);
    expect(last.fencingToken).toBeGreaterThan(acquisitions.at(-1)!.token);
    await last.release();
  }, 60_000);

  test('SIGSTOP: a frozen holder loses to a new holder with a larger token, and once resumed its write is fenced off', async () => {
    const store = join(dir, 'fenced.json');
    const holder = start('frozen-holder.mjs', ['frozen', store]);
    const acquired = await holder.next((e) => e.event === 'acquired');
    expect(acquired.accepted).toBe(true);
    process.kill(holder.pid, 'SIGSTOP');
    try {
      const taker = new DynamoDbLock('frozen', { client, tableName, logger: false });
      expect(await taker.acquire({ timeout: 10 })).toBe(true);
      expect(taker.tookOver).toBe(true);
      expect(taker.fencingToken).toBeGreaterThan(acquired.token as number);
      expect(fencedWrite(store, taker.fencingToken!, 'taker')).toBe(true);
      process.kill(holder.pid, 'SIGCONT');
      const resumed = await holder.next((e) => e.event === 'resumed');
      expect(resumed.accepted).toBe(false);
      expect(resumed.aborted).toBe(true);
      expect(['taken', 'expired']).toContain(resumed.reason);
      expect(String(resumed.release)).toMatch(/^LockLostError/);
      expect((await holder.done).code).toBe(0);
      // The store kept the new holder's write; the stale one never landed.
      expect(readStore(store)).toMatchObject({ highest: taker.fencingToken, value: 'taker' });
      expect(readStore(store).writes.map((w) => w.value)).toEqual(['holder-before-pause', 'taker']);
      // The frozen holder's renewal never overwrote the taker's lease.
      expect(taker.locked()).toBe(true);
      await taker.release();
    } finally {
      try {
        process.kill(holder.pid, 'SIGCONT');
      } catch {
        // exited
      }
    }
  }, 60_000);

  test.each(['plain', 'auto-renew', 'with-lock', 'held'])(
    'a process that used the lock (%s) exits promptly on its own with code 0',
    async (mode) => {
      const worker = start('exit-worker.mjs', [`exit-${mode}`, mode]);
      const outcome = await Promise.race([worker.done, delay(8_000).then(() => 'still running' as const)]);
      expect(outcome).not.toBe('still running');
      const run = outcome as Run;
      expect(run.code, run.stderr).toBe(0);
      expect(run.events).toEqual([{ event: 'done', mode }]);
      // Done well within the lease: nothing waited for a timer (the lease is 2 s, renewal every 0.67 s).
      expect(run.ms).toBeLessThan(6_000);
    },
    20_000,
  );

  test('a release behind a renewal that is pausing before its retry cuts the pause short; the process stays alive until it is done', async () => {
    const worker = start('exit-worker.mjs', ['exit-renew-fails', 'renew-fails']);
    const outcome = await Promise.race([worker.done, delay(15_000).then(() => 'still running' as const)]);
    expect(outcome).not.toBe('still running');
    const run = outcome as Run;
    // It exited 13 (a top-level await never settled), the lock left held, before the fix.
    expect(run.code, run.stderr).toBe(0);
    expect(run.events).toEqual([
      { event: 'released', aborted: true },
      { event: 'done', mode: 'renew-fails' },
    ]);
  }, 20_000);

  test('a waiter in the process line keeps the process alive until it gets the lock', async () => {
    const worker = start('exit-worker.mjs', ['exit-waiter', 'waiter']);
    const outcome = await Promise.race([worker.done, delay(15_000).then(() => 'still running' as const)]);
    expect(outcome).not.toBe('still running');
    const run = outcome as Run;
    expect(run.code, run.stderr).toBe(0);
    // The holder never released: its lease ran out (2 s) and the waiter took it over.
    expect(run.events).toEqual([
      { event: 'waiter-acquired', tookOver: true, holderLost: true },
      { event: 'done', mode: 'waiter' },
    ]);
    expect(run.ms).toBeGreaterThanOrEqual(1_900);
  }, 20_000);
});
