// The waiting contract's first promise (issue 19), on a randomized workload of separate processes:
// while a live waiter exists, a released lock is taken again within max(maxPollInterval, a quarter
// of the longest hold in progress during the minute before) plus one round trip, whatever came
// before; a waiter that crashed may delay one hand-off by a stated grace, once. Nine processes loop
// acquire -> hold -> release on one resource for RUN_MS, with holds drawn from a seeded mix of
// short and long: two wait until served, three give up after short timeouts, two abort their
// waits, one speaks Python dynamo-dlm 1.x's wire format, and one more waits until the test kills
// it with SIGKILL mid-wait. Every acquisition and release is laid on one clock: no two holds may
// overlap, and the idle after each release, measured by bench/lib/idle.mjs as in the bench, must
// stay within the bound plus SLACK_MS.
//
// Run it again as it failed: DLM_CONTRACT_SEED=<the printed seed>. Run it against another build:
// DLM_CONTRACT_LIB=<its dist/index.js, from the repository's root> (for example the pre-queue
// baseline that `npm run bench -- --only=waiting` builds under bench/results/).
import { describe, expect, test } from 'vitest';
import { type Attempt, type Hold, type IdleSample, idleAfterReleases, idleSummary } from '../../bench/lib/idle.mjs';
import { nowMs } from '../../bench/lib/stats.mjs';
import { type BackendInfo, backends, clientFor, freshTable } from '../support/backends.js';
import {
  type ChildWorker,
  ensureBuilt,
  startWorker,
  type WorkerEvent,
  type WorkerExit,
} from '../support/child-workers.js';
import { countHolders } from '../support/processes.js';

/** How long the workers loop, ms. */
const RUN_MS = 50_000;
/** Over the contract's bound, for a loaded 2-core machine: the test catches stalls of seconds. */
const SLACK_MS = 1_500;
/** How much longer than that the one hand-off after the killed waiter's crash may take, once. */
const CRASH_GRACE_MS = 5_000;
/** Hold times: mostly short, some of a few hundred ms, a few of seconds. */
const HOLDS = {
  kind: 'mix',
  parts: [
    { weight: 50, minMs: 5, maxMs: 50 },
    { weight: 25, minMs: 100, maxMs: 600 },
    { weight: 25, minMs: 1_000, maxMs: 6_000 },
  ],
};
/** Give-up callers are many: each one that gives up while queued is a chance to leave something behind. */
const ROLES = [
  'blocking',
  'blocking',
  'timeout',
  'timeout',
  'timeout',
  'abort',
  'abort',
  'python1',
  'blocking',
] as const;
/**
 * The Python 1.x worker rests 6-12 s after each release: its PutItem replaces the whole item, so
 * a Python holder in every few hand-offs would wipe whatever else the item keeps (a queue, a
 * history of holds) before it could matter, and the workload would test less than it claims.
 */
const PYTHON1_REST = { kind: 'mix', parts: [{ weight: 1, minMs: 6_000, maxMs: 12_000 }] };
/** The last blocking worker is the one killed mid-wait. */
const VICTIM = ROLES.length - 1;
const SEED = Number(process.env.DLM_CONTRACT_SEED ?? Math.floor(Math.random() * 2 ** 31));

const boundedIdleTest = test;

interface Workload {
  readonly workers: readonly ChildWorker[];
  readonly exits: readonly WorkerExit[];
  readonly killAt: number | undefined;
  readonly holds: (Hold & { readonly role: string })[];
  readonly attempts: (Attempt & { readonly role: string; readonly outcome: string })[];
  readonly outcomes: Record<string, number>[];
  /** Every write a worker saw succeed: when, and whose. */
  readonly writesApplied: { readonly role: string; readonly at: number }[];
}

/**
 * Stops the victim once it has waited at least 0.5 s, and kills it if, stopped, it is still inside
 * `acquire()` with no write in flight (the answer to its last write reached it, whatever it was:
 * a refused try, or a queue's write that holds nothing); otherwise lets it go on and tries again.
 * An acquire that succeeded prints its end in the same turn of the event loop as its last answer,
 * so a stop between the two (microseconds) is the one way this could kill a holder. Gives up
 * (undefined) if no such moment comes before 80% of the run.
 */
async function killMidWait(victim: ChildWorker, goAt: number): Promise<number | undefined> {
  await sleep(RUN_MS * 0.3);
  while (nowMs() < goAt + RUN_MS * 0.8) {
    await sleep(100);
    const last = lastCall(victim.events);
    if (last === undefined || last.ended || nowMs() - last.at < 500) continue;
    victim.kill('SIGSTOP');
    // What it printed before it stopped reaches this process through its pipe.
    await sleep(100);
    const now = lastCall(victim.events);
    const writes = victim.events.filter((e) => e.e === 'w+' || e.e === 'w-');
    const lastWrite = writes.at(-1);
    if (now !== undefined && !now.ended && lastWrite?.e === 'w-' && (lastWrite.at as number) > now.at) {
      const killAt = nowMs();
      victim.kill('SIGKILL');
      return killAt;
    }
    victim.kill('SIGCONT');
  }
  return undefined;
}

function lastCall(events: readonly WorkerEvent[]): { at: number; ended: boolean } | undefined {
  const call = events.findLast((e) => e.e === 'call');
  if (call === undefined) return undefined;
  return { at: call.at as number, ended: events.some((e) => e.e === 'end' && e.n === call.n) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One worker's calls and holds from its events; a call it never ended ended at `diedAt`. */
function recorded(events: readonly WorkerEvent[], diedAt: number | undefined) {
  const attempts: (Attempt & { n: number; outcome: string })[] = [];
  const holds: Hold[] = [];
  const outcomes: Record<string, number> = {};
  for (const call of events.filter((e) => e.e === 'call')) {
    const end = events.find((e) => e.e === 'end' && e.n === call.n);
    const endedAt = (end?.at as number | undefined) ?? diedAt;
    if (endedAt === undefined) throw new Error(`call ${call.n} never ended: ${JSON.stringify(events.slice(-5))}`);
    const outcome = (end?.outcome as string | undefined) ?? 'killed';
    attempts.push({ n: call.n as number, calledAt: call.at as number, endedAt, outcome });
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    if (outcome !== 'acquired') continue;
    const release = events.find((e) => e.e === 'release' && e.n === call.n);
    if (release === undefined) throw new Error(`acquisition ${call.n} was never released`);
    holds.push({ acquiredAt: endedAt, releaseCalledAt: release.calledAt as number, releasedAt: release.at as number });
  }
  return { attempts, holds, outcomes };
}

async function runWorkload(backend: BackendInfo): Promise<Workload> {
  ensureBuilt();
  const client = clientFor(backend);
  const tableName = await freshTable(client, 'contract');
  client.destroy();
  const workers = ROLES.map((role, i) =>
    startWorker(
      'contract-worker.mjs',
      [
        JSON.stringify({
          resourceId: 'contract',
          role,
          seed: SEED + i,
          holdMs: HOLDS,
          restMs: role === 'python1' ? PYTHON1_REST : undefined,
          runMs: RUN_MS,
          // Every write's answer: the victim's decide when it may be killed; everyone's explain a stall.
          traceWrites: true,
        }),
      ],
      { DLM_ENDPOINT: backend.endpoint, DLM_TABLE: tableName },
    ),
  );
  await Promise.all(workers.map((w) => w.next((e) => e.e === 'ready', 30_000)));
  for (const w of workers) w.kill('SIGUSR2');
  const killAt = await killMidWait(workers[VICTIM]!, nowMs());
  const exits = await Promise.all(workers.map((w) => w.done));
  const each = workers.map((w, i) => recorded(w.events, i === VICTIM ? killAt : undefined));
  const role = (i: number) => (i === VICTIM ? 'victim' : ROLES[i]!);
  return {
    workers,
    exits,
    killAt,
    holds: each.flatMap((r, i) => r.holds.map((h) => ({ ...h, role: role(i) }))),
    attempts: each.flatMap((r, i) => r.attempts.map((a) => ({ ...a, role: role(i) }))),
    outcomes: each.map((r) => r.outcomes),
    writesApplied: workers.flatMap((w, i) =>
      w.events.filter((e) => e.e === 'w-' && e.ok === true).map((e) => ({ role: role(i), at: e.at as number })),
    ),
  };
}

/** The samples over the bound plus the slack, and whether they fit the one grace after the crash. */
function judged(samples: readonly IdleSample[], killAt: number | undefined) {
  const over = samples.filter((s) => s.idleMs > s.boundMs + SLACK_MS);
  const graced = over.find(
    (s) => killAt !== undefined && s.releasedAt >= killAt && s.idleMs <= s.boundMs + SLACK_MS + CRASH_GRACE_MS,
  );
  return { over, beyond: over.filter((s) => s !== graced), graced };
}

describe.each(backends())('the waiting contract on a randomized workload, on $name', (backend) => {
  let workload: Promise<Workload> | undefined;
  const run = () => {
    workload ??= runWorkload(backend);
    return workload;
  };

  test('no two holders overlap, and every kind of caller took part: timeouts, aborts, a Python 1.x holder, a waiter killed mid-wait', async () => {
    const w = await run();
    const context = `seed ${SEED}; outcomes by worker ${JSON.stringify(w.outcomes)}`;
    const holdings = w.holds.map((h) => ({ start: h.acquiredAt, end: h.releaseCalledAt, slot: 0 }));
    expect(countHolders(holdings, 1).excess, context).toBe(0);
    expect(w.killAt, `the victim never waited 0.5 s with nothing in flight; ${context}`).toBeDefined();
    for (const [i, exit] of w.exits.entries()) {
      if (i === VICTIM) expect(exit.signal, context).toBe('SIGKILL');
      else
        expect({ role: ROLES[i], code: exit.code, stderr: exit.stderr }, context).toEqual({
          role: ROLES[i],
          code: 0,
          stderr: '',
        });
    }
    expect(w.outcomes[ROLES.indexOf('python1')]?.acquired ?? 0, context).toBeGreaterThan(0);
    expect(w.outcomes[ROLES.indexOf('timeout')]?.timedOut ?? 0, context).toBeGreaterThan(0);
    expect(w.outcomes[ROLES.indexOf('abort')]?.aborted ?? 0, context).toBeGreaterThan(0);
    expect(w.outcomes[VICTIM]?.killed, context).toBe(1);
  }, 120_000);

  boundedIdleTest(
    `no release with a live waiter stands idle longer than the bound plus ${SLACK_MS} ms (one hand-off after the crash: plus ${CRASH_GRACE_MS} ms more)`,
    async () => {
      const w = await run();
      const samples = idleAfterReleases(w.holds, w.attempts);
      const { beyond, graced } = judged(samples, w.killAt);
      const start = Math.min(...w.attempts.map((a) => a.calledAt));
      const ms = (t: number) => Math.round(t - start);
      // Who released, who was waiting, who took it next, who gave up, and which writes succeeded meanwhile.
      const at = (s: IdleSample) => ({
        atMs: ms(s.releasedAt),
        idleMs: Math.round(s.idleMs),
        boundMs: Math.round(s.boundMs),
        releasedBy: w.holds.find((h) => h.releasedAt === s.releasedAt)?.role,
        waiting: w.attempts.filter((a) => a.calledAt < s.releasedAt && a.endedAt > s.releasedAt).map((a) => a.role),
        next: w.holds
          .filter((h) => h.acquiredAt > s.releasedAt)
          .sort((a, b) => a.acquiredAt - b.acquiredAt)
          .slice(0, 1)
          .map((h) => `${h.role} at ${ms(h.acquiredAt)}`),
        gaveUp: w.attempts
          .filter(
            (a) =>
              a.outcome !== 'acquired' && a.endedAt >= s.releasedAt - 1_000 && a.endedAt <= s.releasedAt + s.idleMs,
          )
          .map((a) => `${a.role} ${a.outcome} at ${ms(a.endedAt)}`),
        writesApplied: w.writesApplied
          .filter((x) => x.at >= s.releasedAt - 100 && x.at <= s.releasedAt + s.idleMs)
          .map((x) => `${x.role} at ${ms(x.at)}`),
      });
      const report = {
        seed: SEED,
        idle: idleSummary(samples),
        killedAtMs: w.killAt === undefined ? undefined : ms(w.killAt),
        graced: graced === undefined ? undefined : at(graced),
        beyond: beyond.map(at),
      };
      expect(samples.length, JSON.stringify(report)).toBeGreaterThan(20);
      expect(report.beyond, JSON.stringify(report)).toEqual([]);
    },
    120_000,
  );
});
