// Scenario 3: 1,000 distinct resources, 64 concurrent loops in one process: library cycles per
// second vs raw SDK pairs per second, alternating phases (ABAB...) on one client and server.
// Each loop owns its own slice of the resources, so nothing contends: this measures the cost
// per cycle at concurrency, not waiting.
import { DynamoDbLock } from '../../dist/index.js';
import { rawPair } from '../lib/raw.mjs';
import { freshTable, makeClient } from '../lib/server.mjs';
import { round, summary } from '../lib/stats.mjs';

const RESOURCES = 1_000;
const CONCURRENCY = 64;

async function phase(ms, cycle) {
  let cycles = 0;
  const start = performance.now();
  const stopAt = start + ms;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (let i = w; performance.now() < stopAt; i += CONCURRENCY) {
        if (i >= RESOURCES) i = w;
        await cycle(i);
        cycles++;
      }
    }),
  );
  return (cycles * 1000) / (performance.now() - start);
}

export async function runMany(server, { quick }) {
  const client = makeClient(server.endpoint);
  const tableName = await freshTable(client, 'many');
  const options = { client, tableName, logger: false };
  // A new lock per cycle: the way code that locks many resources (one per job) uses the library.
  const lib = async (i) => {
    const lock = new DynamoDbLock(`lib-${i}`, options);
    await lock.acquire();
    await lock.release();
  };
  const raw = (i) => rawPair(client, tableName, `raw-${i}`);
  const phaseMs = quick ? 700 : 2_000;
  const pairs = quick ? 3 : 10;
  await phase(quick ? 300 : 500, lib);
  await phase(quick ? 300 : 500, raw);
  const libRates = [];
  const rawRates = [];
  const ratios = [];
  for (let p = 0; p < pairs; p++) {
    // Alternate which side goes first within a pair.
    const first = p % 2 === 0 ? lib : raw;
    const a = await phase(phaseMs, first);
    const b = await phase(phaseMs, first === lib ? raw : lib);
    const [l, r] = first === lib ? [a, b] : [b, a];
    libRates.push(l);
    rawRates.push(r);
    ratios.push(l / r);
  }
  client.destroy();
  const lib_ = summary(libRates);
  const raw_ = summary(rawRates);
  return {
    resources: RESOURCES,
    concurrency: CONCURRENCY,
    phaseMs,
    pairs,
    libraryCyclesPerSec: lib_,
    rawPairsPerSec: raw_,
    ratio: round(lib_.median / raw_.median, 4),
    pairRatio: summary(ratios),
  };
}
