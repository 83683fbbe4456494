// One waiting row (bench/scenarios/waiting.mjs) with this checkout's build only, on one server,
// printed whole: for looking into a row's writes without the baseline's side-by-side run.
//   node bench/diagnose/waiting-row.mjs ROW [dynalite|ddblocal] [--quick] [--standby-hold=S]
// With DLM_BENCH_TRACE=1 each worker prints every write it sends (kind, answer, ms since start).
import { startDynalite, startDynamoDbLocal } from '../lib/backends.mjs';
import { startProxy } from '../lib/proxy.mjs';
import { rows, runRow } from '../scenarios/waiting.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const [name = 'long', backend = 'dynalite', ...rest] = process.argv.slice(2);
const quick = rest.includes('--quick');
const hold = rest.find((a) => a.startsWith('--standby-hold='))?.slice(15);
const row = rows({ quick, standbyHoldS: hold === undefined ? undefined : Number(hold) })[name];
if (row === undefined) throw new Error(`no row '${name}'`);
const server = await (backend === 'ddblocal' ? startDynamoDbLocal : startDynalite)();
const proxy = await startProxy(server.endpoint);
try {
  const lib = new URL('../../dist/index.js', import.meta.url).href;
  const r = await runRow(proxy, row, lib, undefined);
  console.log(JSON.stringify(r, null, 1));
} finally {
  await proxy.stop();
  await server.stop();
}
