// One waiting row (bench/scenarios/waiting-rows.mjs) with this checkout's build only, on one
// server, printed whole: for looking into a row's writes without the baseline's side-by-side run.
// With DLM_BENCH_TRACE=1 each worker prints every write it sends (kind, answer, ms since start).
//   node bench/diagnose/waiting-row.mjs ROW [dynalite|ddblocal] [--quick] [--standby-hold=S] [--seed=N]
import { startDynalite, startDynamoDbLocal } from '../lib/backends.mjs';
import { startProxy } from '../lib/proxy.mjs';
import { startPool } from '../lib/waiting-pool.mjs';
import { runRow } from '../scenarios/waiting.mjs';
import { rows } from '../scenarios/waiting-rows.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const [name = 'long', backend = 'dynalite', ...rest] = process.argv.slice(2);
const flag = (n) => rest.find((a) => a.startsWith(`--${n}=`))?.slice(n.length + 3);
const quick = rest.includes('--quick');
const hold = flag('standby-hold');
const row = rows({ quick, standbyHoldS: hold === undefined ? undefined : Number(hold) })[name];
if (row === undefined) throw new Error(`no row '${name}'`);
const processes = (row.lanes ?? 1) * row.groups.reduce((a, g) => a + g.processes, 0);
const pool = await startPool(processes, { current: new URL('../../dist/index.js', import.meta.url).href });
const server = await (backend === 'ddblocal' ? startDynamoDbLocal : startDynalite)();
const proxy = await startProxy(server.endpoint);
try {
  const seed = Number(flag('seed') ?? Math.floor(Math.random() * 2 ** 31));
  const r = await runRow(pool, proxy, row, { build: 'current', seed });
  console.log(JSON.stringify({ seed, ...r }, null, 1));
} finally {
  await proxy.stop();
  await server.stop();
  await pool.stop();
}
