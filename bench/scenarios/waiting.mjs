// Scenario 6: waiting across processes (issues 10 and 19). Worker processes loop acquire -> hold
// -> release on one resource in the shapes of bench/scenarios/waiting-rows.mjs; writes are counted
// at the server by a proxy in front of it. Each row runs on dynalite and on DynamoDB Local (which,
// like DynamoDB, returns the item on a refused write), with a baseline build of an earlier commit
// and this checkout alternating in the same run, on the same worker processes, with the same
// seeded hold times.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createLockTable } from '../../dist/index.js';
import { startDynalite, startDynamoDbLocal } from '../lib/backends.mjs';
import { judge } from '../lib/contract.mjs';
import { seededRandom } from '../lib/draws.mjs';
import { startProxy, writeCounts } from '../lib/proxy.mjs';
import { makeClient } from '../lib/server.mjs';
import { nowMs } from '../lib/stats.mjs';
import { rowFigures } from '../lib/waiting-figures.mjs';
import { startPool } from '../lib/waiting-pool.mjs';
import { QUICK_ROWS, rows } from './waiting-rows.mjs';

/** Worker processes a row needs. */
const processesOf = (row) => (row.lanes ?? 1) * row.groups.reduce((a, g) => a + g.processes, 0);

/** One job per process of `row`: what it runs, with seeds that are the same for every build. */
function jobsOf(row, { build, endpoint, tableName, seed }) {
  const random = seededRandom(seed);
  const jobs = [];
  for (let lane = 0; lane < (row.lanes ?? 1); lane++) {
    for (const group of row.groups) {
      for (let i = 0; i < group.processes; i++) {
        jobs.push({
          build,
          endpoint,
          tableName,
          resourceId: `waited-for-${lane}`,
          group,
          lane,
          seed: (seed + jobs.length * 104_729) >>> 0,
          holdMs: group.holdSpreadMs === undefined ? undefined : group.holdMs + random() * group.holdSpreadMs,
        });
      }
    }
  }
  return jobs;
}

/** One row on one server with one build; returns its figures. */
export async function runRow(pool, proxy, row, { build, seed }) {
  const client = makeClient(proxy.endpoint);
  const tableName = `bench_waiting_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  try {
    await createLockTable({ client, tableName });
    const jobs = jobsOf(row, { build, endpoint: proxy.endpoint, tableName, seed });
    let before;
    const run = await pool.run(jobs, row.windowMs, {
      nowMs,
      // After the workers' warm-up writes (on resources of their own), before the row's first.
      beforeStart: () => {
        before = proxy.counts();
        proxy.setWriteLimit(row.writeLimit);
      },
    });
    const writes = writeCounts(before, proxy.counts());
    proxy.setWriteLimit(undefined);
    const out = rowFigures(row, jobs, run.outs, writes, run);
    // The item as the run left it (the first lane's), whatever attributes the build keeps.
    const key = { resource_id: { S: 'waited-for-0' } };
    const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
    out.itemAtEnd = Object.fromEntries(Object.entries(Item ?? {}).map(([k, v]) => [k, Object.values(v)[0]]));
    return out;
  } finally {
    client.destroy();
  }
}

const SERVERS = { dynalite: startDynalite, ddblocal: startDynamoDbLocal };

/**
 * Every selected row on every selected server, each build of `libs` in turn (baseline first) on
 * one pool of worker processes. `seed` seeds every row's hold times (a random one by default).
 */
export async function runWaiting({ quick, scenarios, backends, libs, standbyHoldS, seed, log }) {
  const all = rows({ quick, standbyHoldS });
  const names = scenarios ?? (quick ? QUICK_ROWS : Object.keys(all));
  for (const name of names) {
    if (all[name] === undefined)
      throw new Error(`no waiting scenario '${name}'; expected one of ${Object.keys(all).join(', ')}`);
  }
  const runSeed = seed ?? Math.floor(Math.random() * 2 ** 31);
  const out = {
    libs: Object.fromEntries(Object.entries(libs).map(([k, v]) => [k, v.label])),
    seed: runSeed,
    servers: {},
  };
  const size = Math.max(...names.map((name) => processesOf(all[name])));
  log(`  waiting: starting ${size} worker processes...`);
  const pool = await startPool(size, Object.fromEntries(Object.entries(libs).map(([k, v]) => [k, v.index])));
  try {
    for (const backend of backends) {
      log(`  waiting: starting ${backend}...`);
      const server = await SERVERS[backend]();
      const proxy = await startProxy(server.endpoint);
      const results = {};
      try {
        for (const [r, name] of names.entries()) {
          const row = all[name];
          results[name] = {};
          for (const build of Object.keys(libs)) {
            log(`  waiting: ${backend} ${name} ${build}...`);
            const x = await runRow(pool, proxy, row, { build, seed: (runSeed + r * 7_919) >>> 0 });
            x.verdicts = judge(row, x, results[name].baseline);
            results[name][build] = x;
            const i = x.idle;
            log(
              `    ${x.acquisitions} acq, ${x.acqPerSec}/s, ${x.writesPerAcq} writes/acq, Jain ${x.jain}, hand-off p50/p99 ${x.handoffMs.median}/${x.handoffMs.p99} ms, idle p50/p99/max ${i.median}/${i.p99}/${i.max} ms, ${i.overBound}/${i.n} over the bound`,
            );
          }
        }
      } finally {
        await proxy.stop();
        await server.stop();
      }
      out.servers[backend] = { name: server.name, rows: results };
    }
  } finally {
    await pool.stop();
  }
  return out;
}
