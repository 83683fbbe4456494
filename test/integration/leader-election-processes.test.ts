import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { DynamoDbLock } from '../../src/index.js';
import { readStore } from '../fixtures/fenced-store.mjs';
import { backends, clientFor, freshTable } from '../support/backends.js';
import { type ChildWorker, ensureBuilt, sharedNow, startWorker, type WorkerEvent } from '../support/child-workers.js';
import { delay } from './helpers.js';

/** The lease every worker uses, seconds; the lock's default skew allowance (1 s) applies. */
const DURATION = 2;
const SKEW = 1;
const MARGIN = Math.min(2, DURATION / 5);

/** Prints a measured figure with the test output; figures are reported, never asserted tightly. */
function figure(name: string, ms: number): void {
  console.log(`[figure] ${name}: ${Math.round(ms)} ms`);
}

interface Interval {
  readonly pid: number;
  readonly term: number;
  readonly from: number;
  readonly to: number;
}

/** Each worker's terms, from its `elected` report to its `deposed` report (or `endAt`). */
function intervals(workers: readonly ChildWorker[], endAt: (w: ChildWorker) => number): Interval[] {
  const out: Interval[] = [];
  for (const w of workers) {
    const elected = w.events.filter((e) => e.event === 'elected');
    for (const e of elected) {
      const deposed = w.events.find((d) => d.event === 'deposed' && d.term === e.term);
      out.push({
        pid: w.pid,
        term: e.term as number,
        from: e.at as number,
        to: (deposed?.at as number | undefined) ?? endAt(w),
      });
    }
  }
  return out.sort((a, b) => a.from - b.from);
}

/** No two terms overlap, and terms strictly increase in time order. */
function expectOneLeaderAtATime(terms: readonly Interval[]): void {
  for (let i = 1; i < terms.length; i++) {
    const [prev, cur] = [terms[i - 1]!, terms[i]!];
    expect(cur.from, `term ${cur.term} (pid ${cur.pid}) began before term ${prev.term} ended`).toBeGreaterThanOrEqual(
      prev.to,
    );
    expect(cur.term).toBeGreaterThan(prev.term);
  }
}

describe.each(backends())('leader election across processes on $name', (backend) => {
  const client = clientFor(backend);
  let tableName: string;
  let dir: string;
  let workers: ChildWorker[] = [];

  const spawnWorker = (name: string, options: Record<string, unknown> = {}): ChildWorker => {
    const w = startWorker('leader-worker.mjs', [name, JSON.stringify({ duration: DURATION, ...options })], {
      DLM_ENDPOINT: backend.endpoint,
      DLM_TABLE: tableName,
    });
    workers.push(w);
    return w;
  };
  const isElected = (e: WorkerEvent) => e.event === 'elected';

  beforeAll(async () => {
    ensureBuilt();
    tableName = await freshTable(client, 'elect');
    dir = mkdtempSync(join(tmpdir(), 'dlm-elect-'));
  });
  afterEach(async () => {
    for (const w of workers) {
      w.kill('SIGCONT');
      w.kill('SIGKILL');
    }
    await Promise.all(workers.map((w) => w.done));
    workers = [];
  });
  afterAll(() => {
    client.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  test('three processes: exactly one leader at any time over many handovers; SIGTERM resigns and exits', async () => {
    const store = join(dir, 'three.json');
    // Each leader resigns 300 ms into its term and stands aside one lease, so leadership rotates.
    const three = Array.from({ length: 3 }, () => spawnWorker('three', { leadMs: 300, store }));
    await delay(7_000);
    const stoppedAt = new Map<ChildWorker, number>();
    for (const w of three) {
      stoppedAt.set(w, sharedNow());
      w.kill('SIGTERM');
    }
    const exits = await Promise.all(three.map((w) => w.done));
    for (const exit of exits) {
      // handleSignals re-raised SIGTERM once resigned: the process ended as SIGTERM ends it.
      expect(exit.signal, exit.stderr).toBe('SIGTERM');
    }
    const terms = intervals(three, (w) => stoppedAt.get(w)!);
    expect(terms.length).toBeGreaterThanOrEqual(4);
    expect(new Set(terms.map((t) => t.pid)).size).toBeGreaterThanOrEqual(2);
    expectOneLeaderAtATime(terms);
    // Every leader's fenced write was accepted: the terms the store saw only grew.
    const writes = three.flatMap((w) => w.events.filter((e) => e.event === 'wrote'));
    expect(writes).toHaveLength(terms.length);
    expect(writes.every((e) => e.accepted === true)).toBe(true);
    expect(readStore(store).highest).toBe(Math.max(...terms.map((t) => t.term)));
    // Handovers after resign(): from the old leader's deposal to the next election. The largest
    // gaps are times when both other workers were still standing aside after their own terms.
    const gaps = terms.slice(1).map((t, i) => t.from - terms[i]!.to);
    gaps.sort((a, b) => a - b);
    figure(`${backend.name} resign handover, median of ${gaps.length}`, gaps[Math.floor(gaps.length / 2)]!);
    figure(`${backend.name} resign handover, max (includes waits with nobody campaigning)`, gaps.at(-1)!);
    // Deposals while leading, other than resigning, would mean a lease was lost under load.
    const reasons = three.flatMap((w) => w.events.filter((e) => e.event === 'deposed').map((e) => e.reason));
    expect(reasons.filter((r) => r !== 'resigned' && r !== 'stopped')).toEqual([]);
  }, 60_000);

  test('SIGKILL of the leader: a standby takes over within lease + skew + margin + one poll', async () => {
    const group = Array.from({ length: 3 }, () => spawnWorker('killed'));
    const leader = await Promise.race(group.map((w) => w.next(isElected).then(() => w)));
    await Promise.all(group.map((w) => w.next((e) => e.event === 'campaigning')));
    await delay(500);
    const killedAt = sharedNow();
    leader.kill('SIGKILL');
    const rest = group.filter((w) => w !== leader);
    const next = await Promise.race(rest.map((w) => w.next(isElected, 20_000)));
    const failover = (next.at as number) - killedAt;
    figure(`${backend.name} failover after SIGKILL (lease ${DURATION} s, skew ${SKEW} s)`, failover);
    expect(next.tookOver).toBe(true);
    // Generous: the lease, the skew allowance, the margin, a poll, and a loaded machine.
    expect(failover).toBeLessThan((DURATION + SKEW + MARGIN) * 1000 + 5_000);
    expectOneLeaderAtATime(intervals(group, (w) => (w === leader ? killedAt : sharedNow())));
  }, 60_000);

  test('SIGSTOP of the leader past its lease: a standby leads; on resume the old leader is deposed and fenced off', async () => {
    const store = join(dir, 'frozen.json');
    const frozen = spawnWorker('frozen', { store });
    const first = await frozen.next(isElected);
    const standby = spawnWorker('frozen', { store });
    await standby.next((e) => e.event === 'campaigning');
    frozen.kill('SIGSTOP');
    const taken = await standby.next(isElected, 20_000);
    expect(taken.term).toBeGreaterThan(first.term as number);
    expect(taken.tookOver).toBe(true);
    expect(await standby.next((e) => e.event === 'wrote')).toMatchObject({ accepted: true });
    frozen.kill('SIGCONT');
    const woke = await frozen.next((e) => e.event === 'woke');
    expect(woke).toMatchObject({ term: first.term, isLeader: false, accepted: false });
    const deposed = await frozen.next((e) => e.event === 'deposed');
    expect(deposed).toMatchObject({ term: first.term, isLeader: false });
    expect(['expired', 'taken']).toContain(deposed.reason);
    // The store holds the new leader's write; the stale one never landed.
    expect(readStore(store).highest).toBe(taken.term);
    expect(readStore(store).writes.map((w) => w.token)).toEqual([first.term, taken.term]);
    // The new leader still leads: the old one's renewal did not take the lease back.
    await delay(DURATION * 1000);
    expect(standby.events.filter((e) => e.event === 'deposed')).toEqual([]);
  }, 60_000);

  test('stop() resigns: a waiting standby takes over at once, without waiting for the lease', async () => {
    const leader = spawnWorker('resign');
    await leader.next(isElected);
    const standby = spawnWorker('resign');
    await standby.next((e) => e.event === 'campaigning');
    await delay(300);
    const signalledAt = sharedNow();
    leader.kill('SIGTERM');
    const deposed = await leader.next((e) => e.event === 'deposed');
    expect(deposed.reason).toBe('stopped');
    const elected = await standby.next(isElected, 20_000);
    // Released, not expired: the standby did not take over an abandoned lease.
    expect(elected.tookOver).toBe(false);
    figure(
      `${backend.name} handover after stop() (deposed to elected)`,
      (elected.at as number) - (deposed.at as number),
    );
    figure(`${backend.name} handover after SIGTERM (signal to elected)`, (elected.at as number) - signalledAt);
    expect((elected.at as number) - signalledAt).toBeLessThan(10_000);
    expect((await leader.done).signal).toBe('SIGTERM');
  }, 60_000);

  test('in one process: who leads is visible on the lock, and a stopped election leaves the process free to exit', async () => {
    const worker = spawnWorker('exits', { runMs: 1_500 });
    const elected = await worker.next(isElected);
    // The lock's item names the term: a plain lock finds it held, and the next token is larger.
    const probe = new DynamoDbLock('exits', { client, tableName, logger: false });
    expect(await probe.acquire({ blocking: false })).toBe(false);
    await worker.next((e) => e.event === 'stopped');
    const exit = await Promise.race([worker.done, delay(8_000).then(() => 'still running' as const)]);
    expect(exit, 'the worker did not exit by itself after stop()').not.toBe('still running');
    expect(exit).toMatchObject({ code: 0 });
    expect(await probe.acquire({ blocking: false })).toBe(true);
    expect(probe.tookOver).toBe(false);
    expect(probe.fencingToken).toBeGreaterThan(elected.term as number);
    await probe.release();
  }, 30_000);
});
