// Client CPU per uncontended cycle, with the server in another process so that its work is not
// counted: library vs raw Put+Delete vs the library's requests sent by hand. CPU time is far
// less disturbed than wall time by other work on a shared machine.
//   npm run build && node bench/diagnose/cycle-cpu.mjs
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { freshTable, makeClient } from '../lib/server.mjs';
import { startServerProcess } from '../lib/server-process.mjs';
import { summary } from '../lib/stats.mjs';
import { cycleArms } from './arms.mjs';

const server = await startServerProcess();
const client = makeClient(server.endpoint);
const arms = cycleArms(client, await freshTable(client, 'cpu'));
const cpu = { library: [], raw: [], byHand: [] };
const wall = { library: [], raw: [], byHand: [] };
for (let i = 0; i < 100; i++) for (const a of Object.values(arms)) await a();
for (let r = 0; r < 15; r++) {
  for (const [k, a] of Object.entries(arms)) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) await a();
    const c = process.cpuUsage(c0);
    cpu[k].push((c.user + c.system) / 100);
    wall[k].push((performance.now() - t0) * 10);
  }
}
for (const k of Object.keys(arms)) {
  const c = summary(cpu[k]);
  const w = summary(wall[k]);
  console.log(
    `${k.padEnd(8)} client CPU µs/cycle ${c.median.toFixed(0)} [${c.p10.toFixed(0)}-${c.p90.toFixed(0)}]   wall µs/cycle ${w.median.toFixed(0)}`,
  );
}
client.destroy();
await server.stop();
