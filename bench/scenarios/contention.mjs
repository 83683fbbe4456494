// Scenario 2: N worker processes contend for one resource. The server (dynalite) runs in this
// bench process; the workers are child processes with their own SDK clients. A second part puts
// N lock instances in ONE child process (one client), as concurrent requests of one server would.
import { fork } from 'node:child_process';
import { freshTable, makeClient, writesBetween } from '../lib/server.mjs';
import { jain, nowMs, round, summary } from '../lib/stats.mjs';

const WORKER = new URL('../workers/contention-worker.mjs', import.meta.url);
const HOLD_MS = 5;

export async function runOnce(server, tableName, n, windowMs, backoff, { inOneProcess = false } = {}) {
  const resourceId = `contended-${n}-${Date.now()}`;
  const instances = inOneProcess ? n : 1;
  const arg = JSON.stringify({ endpoint: server.endpoint, tableName, resourceId, holdMs: HOLD_MS, backoff, instances });
  const children = Array.from({ length: n / instances }, () =>
    fork(WORKER, [arg], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  const results = children.map(
    (c) =>
      new Promise((resolve, reject) => {
        c.on('message', (m) => {
          if (!m.ready) resolve(m);
        });
        c.once('exit', (code) => code !== 0 && reject(new Error(`contention worker exited with ${code}`)));
      }),
  );
  await Promise.all(children.map((c) => new Promise((resolve) => c.once('message', resolve))));
  const before = server.counts();
  const startAt = nowMs() + 50;
  const endAt = startAt + windowMs;
  // Everyone starts together: the message says when the window ends; the wait below says when it begins.
  await new Promise((resolve) => setTimeout(resolve, 50));
  for (const c of children) c.send({ endAt });
  const outs = await Promise.all(results);
  const writes = writesBetween(before, server.counts());
  const acquisitions = [];
  const perWorker = [];
  let contended = 0;
  let backoffMs = 0;
  for (const o of outs) {
    contended += o.contended;
    backoffMs += o.backoffMs;
    for (const records of o.records) {
      const w = perWorker.length;
      perWorker.push(records.length / 4);
      for (let i = 0; i < records.length; i += 4) {
        acquisitions.push({
          w,
          acquiredAt: records[i],
          releaseCalledAt: records[i + 1],
          releasedAt: records[i + 2],
          waitMs: records[i + 3],
        });
      }
    }
  }
  acquisitions.sort((a, b) => a.acquiredAt - b.acquiredAt);
  const handoff = [];
  let overlaps = 0;
  for (let i = 1; i < acquisitions.length; i++) {
    const gap = acquisitions[i].acquiredAt - acquisitions[i - 1].releaseCalledAt;
    // A grant before the previous holder even sent its release would break mutual exclusion.
    if (gap < 0) overlaps++;
    handoff.push(gap);
  }
  const holds = acquisitions.map((a) => a.releaseCalledAt - a.acquiredAt);
  const count = acquisitions.length;
  return {
    n,
    processes: children.length,
    windowMs,
    acquisitions: count,
    acqPerSec: round(count / (windowMs / 1000), 2),
    handoffMs: summary(handoff),
    holdMs: summary(holds),
    waitMs: summary(acquisitions.map((a) => a.waitMs)),
    jain: round(jain(perWorker), 4),
    perWorker,
    writes,
    writesPerAcq: round(writes.sent / count, 3),
    failedWritesPerAcq: round(writes.failed / count, 3),
    contendedEvents: contended,
    meanBackoffMs: round(contended === 0 ? 0 : backoffMs / contended, 2),
    exclusionViolations: overlaps,
  };
}

/**
 * N = 1 first: one holder back to back in the same harness is the ideal, measured. Then each N
 * in turn; a fresh resource each time, one server throughout.
 */
export async function runContention(server, { quick }) {
  const client = makeClient(server.endpoint);
  const tableName = await freshTable(client, 'contention');
  client.destroy();
  const windowMs = quick ? 2_000 : 15_000;
  const ns = quick ? [2, 8] : [2, 8, 32];
  const ideal = await runOnce(server, tableName, 1, windowMs);
  const runs = [];
  for (const n of ns) {
    const r = await runOnce(server, tableName, n, windowMs);
    r.ofIdeal = round(r.acqPerSec / ideal.acqPerSec, 4);
    runs.push(r);
  }
  // The same 8 waiters as lock instances in one process: today each polls DynamoDB on its own.
  const oneProcess = await runOnce(server, tableName, 8, windowMs, undefined, { inOneProcess: true });
  oneProcess.ofIdeal = round(oneProcess.acqPerSec / ideal.acqPerSec, 4);
  return {
    server: 'dynalite in the bench process (in-process server); workers are child processes',
    holdMs: HOLD_MS,
    idealDefinition:
      'ideal acq/s = what ONE worker process achieves alone in the same harness (acquire -> hold 5 ms -> release, back to back), i.e. 1 / (measured hold + measured uncontended acquire+release cycle)',
    ideal,
    runs,
    oneProcess,
  };
}
