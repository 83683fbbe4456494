// Scenario 6: waiting across processes (issue 10). Separate worker processes loop
// acquire -> hold -> release on one resource; writes are counted at the server by a proxy in
// front of it. Each row runs on dynalite and on DynamoDB Local (which, like DynamoDB, returns
// the item on a refused write), with this checkout's library and a baseline build of an earlier
// commit alternating in the same run.
import { fork } from 'node:child_process';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createLockTable } from '../../dist/index.js';
import { startDynalite, startDynamoDbLocal } from '../lib/backends.mjs';
import { startProxy, writeCounts } from '../lib/proxy.mjs';
import { makeClient } from '../lib/server.mjs';
import { jain, nowMs, round, summary } from '../lib/stats.mjs';

const WORKER = new URL('../workers/waiting-worker.mjs', import.meta.url);

/** The rows, by name (`--scenario=long,standby,short8,short32,crowd`). */
export function rows({ quick, standbyHoldS }) {
  return {
    long: {
      title: quick ? '4 processes, 2 s holds, 16 s' : '4 processes, 7 s holds, 60 s',
      groups: [{ role: 'loop', processes: 4, holdMs: quick ? 2_000 : 7_000 }],
      windowMs: quick ? 16_000 : 60_000,
    },
    standby: {
      title: `1 holder for ${standbyHoldS ?? (quick ? 20 : 600)} s, 3 waiters (each then holds 200 ms once); ${quick ? 4 : 12} such locks at once`,
      // Independent copies on their own items, so that one run gives several hand-offs to take
      // the median of (one lock gives one: the holder's release).
      lanes: quick ? 4 : 12,
      groups: [
        {
          role: 'holder',
          processes: 1,
          holdMs: (standbyHoldS ?? (quick ? 20 : 600)) * 1000,
          // Each lane's holder holds up to 5 s longer, at random: the lanes' heads start
          // together and poll on one schedule, so equal holds would release at one phase of it
          // in every lane, and the lanes' hand-offs would be one sample, not many.
          holdSpreadMs: 5_000,
          lockOptions: { autoRenew: true },
        },
        { role: 'once', processes: 3, holdMs: 200, delayMs: 500 },
      ],
      windowMs: ((standbyHoldS ?? (quick ? 20 : 600)) + 60) * 1000,
      standby: true,
    },
    short8: {
      title: '8 processes, 5 ms holds',
      groups: [{ role: 'loop', processes: 8, holdMs: 5 }],
      windowMs: quick ? 3_000 : 15_000,
      ideal: true,
    },
    short32: {
      title: '32 processes, 5 ms holds',
      groups: [{ role: 'loop', processes: 32, holdMs: 5 }],
      windowMs: quick ? 3_000 : 15_000,
      ideal: true,
    },
    crowd: {
      title: `${quick ? 48 : 200} waiters with their own clients in 4 processes, 20 ms holds, after a ${quick ? 2 : 10} s hold; writes throttled above 300/s`,
      groups: [
        {
          role: 'holder',
          processes: 1,
          holdMs: quick ? 2_000 : 10_000,
          lockOptions: { duration: 3, autoRenew: true },
        },
        {
          role: 'once',
          processes: 4,
          instances: quick ? 12 : 50,
          ownClients: true,
          holdMs: 20,
          delayMs: 200,
          lockOptions: { duration: 3, autoRenew: true },
        },
      ],
      windowMs: quick ? 90_000 : 150_000,
      writeLimit: 300,
    },
  };
}

function spawnWorker(arg) {
  const child = fork(WORKER, [JSON.stringify(arg)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = new Promise((resolve) => child.once('message', resolve));
  const done = new Promise((resolve, reject) => {
    child.on('message', (m) => {
      if (!m.ready) resolve(m);
    });
    child.once('exit', (code) => code !== 0 && reject(new Error(`waiting worker exited with ${code}`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { child, ready, done, exited };
}

/** One row on one server with one library build; returns the figures of the issue. */
export async function runRow(proxy, row, lib, ideal) {
  const client = makeClient(proxy.endpoint);
  const tableName = `bench_waiting_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  await createLockTable({ client, tableName });
  client.destroy();
  const workers = [];
  for (let lane = 0; lane < (row.lanes ?? 1); lane++) {
    for (const g of row.groups) {
      for (let i = 0; i < g.processes; i++) {
        const arg = {
          lib,
          endpoint: proxy.endpoint,
          tableName,
          resourceId: `waited-for-${lane}`,
          role: g.role,
          instances: g.instances ?? 1,
          ownClients: g.ownClients ?? false,
          holdMs: g.holdMs + Math.random() * (g.holdSpreadMs ?? 0),
          lockOptions: g.lockOptions ?? {},
        };
        workers.push({ ...spawnWorker(arg), group: g, lane });
      }
    }
  }
  await Promise.all(workers.map((w) => w.ready));
  const before = proxy.counts();
  proxy.setWriteLimit(row.writeLimit);
  const startAt = nowMs() + 100;
  const endAt = startAt + row.windowMs;
  for (const w of workers) w.child.send({ startAt: startAt + (w.group.delayMs ?? 0), endAt });
  const outs = await Promise.all(workers.map((w) => w.done));
  const finishedAt = nowMs();
  // Nothing of this row may still be writing when the next row (or the server's stop) begins.
  await Promise.all(workers.map((w) => w.exited));
  const writes = writeCounts(before, proxy.counts());
  proxy.setWriteLimit(undefined);
  const out = figures(row, workers, outs, writes, Math.min(finishedAt, endAt) - startAt, ideal);
  // What the item's averages came to (the first lane's), for the report.
  const reader = makeClient(proxy.endpoint);
  try {
    const key = { resource_id: { S: 'waited-for-0' } };
    const { Item: item } = await reader.send(
      new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
    );
    out.itemAverages = { avgHoldMs: Number(item?.avg_hold_ms?.N), avgWaitMs: Number(item?.avg_wait_ms?.N) };
  } finally {
    reader.destroy();
  }
  return out;
}

function figures(row, workers, outs, writes, elapsedMs, ideal) {
  const acq = [];
  const perProcess = [];
  // The hooks' counts, summed over the workers (bench/workers/waiting-worker.mjs names them).
  const c = Object.fromEntries(Object.keys(outs[0]?.counts ?? {}).map((k) => [k, 0]));
  let failures = 0;
  const writesByKind = {};
  for (const [p, o] of outs.entries()) {
    failures += o.failures;
    for (const [k, n] of Object.entries(o.byKind)) writesByKind[k] = (writesByKind[k] ?? 0) + n;
    for (const k of Object.keys(c)) c[k] += o.counts[k];
    const r = o.records;
    if (workers[p].group.role === 'loop') perProcess.push(r.length / 5);
    for (let i = 0; i < r.length; i += 5) {
      const role = workers[p].group.role;
      acq.push({ p, lane: workers[p].lane, calledAt: r[i + 1], acquiredAt: r[i + 2], releaseCalledAt: r[i + 3], role });
    }
  }
  acq.sort((a, b) => a.acquiredAt - b.acquiredAt);
  const handoff = [];
  const standbyHandoff = [];
  let overlaps = 0;
  for (let lane = 0; lane < (row.lanes ?? 1); lane++) {
    const mine = acq.filter((a) => a.lane === lane);
    for (let i = 1; i < mine.length; i++) {
      const prev = mine[i - 1];
      if (mine[i].acquiredAt < prev.releaseCalledAt) overlaps++;
      // A hand-off: someone was already waiting when the previous holder called release.
      if (mine[i].calledAt < prev.releaseCalledAt) handoff.push(mine[i].acquiredAt - prev.releaseCalledAt);
      // The hand-off that matters in the standby shape: from the long holder's release on.
      if (prev.role === 'holder') standbyHandoff.push(mine[i].acquiredAt - prev.releaseCalledAt);
    }
  }
  const count = acq.length;
  const waitingWrites = writes.sent - c.acquired - c.released - c.extended;
  const out = {
    title: row.title,
    elapsedS: round(elapsedMs / 1000, 2),
    acquisitions: count,
    acqPerSec: round(count / (elapsedMs / 1000), 3),
    writes,
    writesByKind,
    writesPerAcq: round(writes.sent / count, 3),
    waitingWrites,
    waiterMinutes: round(c.waitedMs / 60_000, 3),
    writesPerWaiterMinute: round(waitingWrites / (c.waitedMs / 60_000), 2),
    writeRatePerSec: round(writes.sent / (elapsedMs / 1000), 1),
    acceptedWriteRatePerSec: round((writes.sent - writes.throttled) / (elapsedMs / 1000), 1),
    handoffMs: summary(handoff),
    jain: perProcess.length > 1 ? round(jain(perProcess), 4) : undefined,
    perProcess: perProcess.length > 0 ? perProcess : undefined,
    events: c,
    failures,
    exclusionViolations: overlaps,
  };
  if (row.standby) {
    // From each long holder's release to the first waiter's acquire, one per lane.
    out.standbyHandoffMs = summary(standbyHandoff);
    out.standbyHandoffSamplesMs = standbyHandoff.map((ms) => round(ms, 1));
  }
  if (row.groups.some((g) => g.role === 'once')) {
    const waiters =
      (row.lanes ?? 1) *
      row.groups.filter((g) => g.role === 'once').reduce((a, g) => a + g.processes * (g.instances ?? 1), 0);
    out.waitersAcquired = acq.filter((a) => a.role === 'once').length;
    out.waiters = waiters;
  }
  const loop = row.groups.find((g) => g.role === 'loop');
  if (loop !== undefined) {
    // Ideal: one holder back to back (measured, for short holds), or one hold after another.
    const idealPerSec = ideal?.acqPerSec ?? 1000 / loop.holdMs;
    out.ofIdeal = round(out.acqPerSec / idealPerSec, 4);
  }
  return out;
}

const SERVERS = { dynalite: startDynalite, ddblocal: startDynamoDbLocal };

/**
 * Every selected row on every selected server, the baseline build and this checkout
 * alternating (baseline first) in the same run.
 */
export async function runWaiting({ quick, scenarios, backends, libs, standbyHoldS, log }) {
  const all = rows({ quick, standbyHoldS });
  // --quick is a smoke run: without the 32-process row (spawning 32 processes takes a while).
  const names = scenarios ?? Object.keys(all).filter((name) => !quick || name !== 'short32');
  const out = { libs: Object.fromEntries(Object.entries(libs).map(([k, v]) => [k, v.label])), servers: {} };
  for (const backend of backends) {
    log(`  waiting: starting ${backend}...`);
    const server = await SERVERS[backend]();
    const proxy = await startProxy(server.endpoint);
    const results = {};
    try {
      for (const name of names) {
        const row = all[name];
        if (row === undefined)
          throw new Error(`no waiting scenario '${name}'; expected one of ${Object.keys(all).join(', ')}`);
        results[name] = {};
        for (const [key, lib] of Object.entries(libs)) {
          let ideal;
          if (row.ideal) {
            const loop = row.groups[0];
            ideal = await runRow(
              proxy,
              { ...row, groups: [{ ...loop, processes: 1 }], windowMs: quick ? 2_000 : 5_000 },
              lib.index,
            );
          }
          log(`  waiting: ${backend} ${name} ${key}...`);
          const r = await runRow(proxy, row, lib.index, ideal);
          if (ideal !== undefined) r.idealAcqPerSec = ideal.acqPerSec;
          results[name][key] = r;
          log(
            `    ${r.acquisitions} acq, ${r.writesPerAcq} writes/acq, ${r.writesPerWaiterMinute} writes/waiter-min, hand-off p50 ${r.handoffMs.median} ms, Jain ${r.jain}, of ideal ${r.ofIdeal}`,
          );
        }
      }
    } finally {
      await proxy.stop();
      await server.stop();
    }
    out.servers[backend] = { name: server.name, rows: results };
  }
  return out;
}
