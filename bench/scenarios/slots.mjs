// Scenario 'slots' (--only=slots): `concurrency` side by side with the plain lock, one server.
// 1. An uncontended acquire + release: a lock of concurrency 3 on a 'slots' table against the
//    plain lock on a 'single' table, interleaved in blocks (ABAB...) so drift hits both alike.
// 2. 8 worker processes, 5 ms holds: concurrency 2 on a 'slots' table, and the plain lock, each
//    against its ideal (2 holders, resp. 1, back to back, from one worker alone measured in the
//    same harness): acquisitions per second, writes per acquisition, Jain's index over workers,
//    the most holders seen at once, and any excess over the concurrency.
import { fork } from 'node:child_process';
import { DynamoDbLock } from '../../dist/index.js';
import { freshTable, makeClient, writesBetween } from '../lib/server.mjs';
import { jain, nowMs, quantile, round, summary } from '../lib/stats.mjs';

const WORKER = new URL('../workers/contention-worker.mjs', import.meta.url);
const HOLD_MS = 5;

async function cycle(server, { quick }) {
  const client = makeClient(server.endpoint);
  const single = await freshTable(client, 'slots_cycle_single');
  const slots = await freshTable(client, 'slots_cycle_slots', 'slots');
  const locks = {
    plain: new DynamoDbLock('cycle', { client, tableName: single, logger: false }),
    concurrency3: new DynamoDbLock('cycle', {
      client,
      tableName: slots,
      logger: false,
      tableLayout: 'slots',
      concurrency: 3,
    }),
  };
  const names = Object.keys(locks);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  const writes = Object.fromEntries(names.map((n) => [n, 0]));
  const ratios = [];
  const blockSize = 40;
  const blocks = quick ? 5 : 30;
  for (let i = 0; i < 100; i++) for (const n of names) await locks[n].acquire().then(() => locks[n].release());
  for (let b = 0; b < blocks; b++) {
    const medians = {};
    for (const n of b % 2 === 0 ? names : [...names].reverse()) {
      const block = [];
      const w0 = server.counts();
      for (let i = 0; i < blockSize; i++) {
        const t0 = performance.now();
        await locks[n].acquire();
        await locks[n].release();
        block.push(performance.now() - t0);
      }
      writes[n] += writesBetween(w0, server.counts()).sent;
      samples[n].push(...block);
      medians[n] = quantile(block, 0.5);
    }
    ratios.push(medians.concurrency3 / medians.plain);
  }
  client.destroy();
  return {
    plainMs: summary(samples.plain),
    concurrency3Ms: summary(samples.concurrency3),
    ratio: round(quantile(samples.concurrency3, 0.5) / quantile(samples.plain, 0.5), 4),
    blockRatio: summary(ratios),
    writesPerCycle: Object.fromEntries(names.map((n) => [n, round(writes[n] / samples[n].length)])),
  };
}

/** Holders at once, from [acquiredAt, releaseCalledAt] intervals (system-wide monotonic ms). */
function holders(intervals, limit) {
  const edges = intervals.flatMap(([a, r]) => [
    [a, 1],
    [r, -1],
  ]);
  edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let now = 0;
  let most = 0;
  let excess = 0;
  for (const [, step] of edges) {
    if (step > 0 && now >= limit) excess++;
    now += step;
    most = Math.max(most, now);
  }
  return { most, excess };
}

async function contend(server, tableName, n, windowMs, lockOptions, concurrency) {
  const resourceId = `slots-${n}-${concurrency}-${Date.now()}`;
  const arg = JSON.stringify({ endpoint: server.endpoint, tableName, resourceId, holdMs: HOLD_MS, lockOptions });
  const children = Array.from({ length: n }, () =>
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
  const endAt = nowMs() + 50 + windowMs;
  await new Promise((resolve) => setTimeout(resolve, 50));
  for (const c of children) c.send({ endAt });
  const outs = await Promise.all(results);
  const writes = writesBetween(before, server.counts());
  const perWorker = [];
  const intervals = [];
  for (const o of outs) {
    for (const records of o.records) {
      perWorker.push(records.length / 4);
      for (let i = 0; i < records.length; i += 4) intervals.push([records[i], records[i + 1]]);
    }
  }
  const count = intervals.length;
  return {
    n,
    concurrency,
    windowMs,
    acquisitions: count,
    acqPerSec: round(count / (windowMs / 1000), 2),
    writesPerAcq: round(writes.sent / count, 3),
    failedWritesPerAcq: round(writes.failed / count, 3),
    jain: round(jain(perWorker), 4),
    perWorker,
    ...holders(intervals, concurrency),
  };
}

export async function runSlots(server, { quick }) {
  const client = makeClient(server.endpoint);
  const single = await freshTable(client, 'slots_single');
  const slots = await freshTable(client, 'slots_slots', 'slots');
  client.destroy();
  const windowMs = quick ? 3_000 : 15_000;
  const slotOptions = { tableLayout: 'slots', concurrency: 2 };
  const cycleResult = await cycle(server, { quick });
  // One worker alone, back to back: the rate one holder achieves in this harness.
  const alonePlain = await contend(server, single, 1, windowMs, {}, 1);
  const aloneSlots = await contend(server, slots, 1, windowMs, slotOptions, 2);
  const plain = await contend(server, single, 8, windowMs, {}, 1);
  const concurrency2 = await contend(server, slots, 8, windowMs, slotOptions, 2);
  plain.ofIdeal = round(plain.acqPerSec / alonePlain.acqPerSec, 4);
  // Ideal with 2 slots: two holders, each as fast as one worker alone.
  concurrency2.ofIdeal = round(concurrency2.acqPerSec / (2 * aloneSlots.acqPerSec), 4);
  return {
    server: 'dynalite in the bench process; workers are child processes',
    holdMs: HOLD_MS,
    idealDefinition:
      'ideal acq/s = holders x what ONE worker process achieves alone in the same harness (acquire -> hold 5 ms -> release, back to back)',
    cycle: cycleResult,
    alone: { plain: alonePlain, concurrency2: aloneSlots },
    contended: { plain, concurrency2 },
  };
}
