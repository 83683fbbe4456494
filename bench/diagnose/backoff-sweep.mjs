// Contention at one N under several contention-backoff constants, interleaved over rounds:
//   npm run build && node bench/diagnose/backoff-sweep.mjs [N] [windowMs] [rounds] [base,cap ...]
// "current" is the shipped constant; the others overwrite it in each worker.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { CONTENTION_BACKOFF } from '../../dist/runtime/backoff.js';
import { freshTable, makeClient, startServer } from '../lib/server.mjs';
import { round } from '../lib/stats.mjs';
import { runOnce } from '../scenarios/contention.mjs';

const [n = '8', windowMs = '3000', rounds = '2', ...specs] = process.argv.slice(2);
const settings = [
  { name: `current ${CONTENTION_BACKOFF.baseMs},${CONTENTION_BACKOFF.capMs}`, backoff: undefined },
  ...specs.map((s) => {
    const [baseMs, capMs] = s.split(',').map(Number);
    return { name: `${baseMs},${capMs}`, backoff: { baseMs, capMs } };
  }),
];
const server = await startServer();
const client = makeClient(server.endpoint);
const tableName = await freshTable(client, 'sweep');
client.destroy();
const rows = settings.map(() => []);
for (let r = 0; r < Number(rounds); r++) {
  const ideal = await runOnce(server, tableName, 1, Number(windowMs));
  for (const [i, s] of settings.entries()) {
    const x = await runOnce(server, tableName, Number(n), Number(windowMs), s.backoff);
    rows[i].push({
      ofIdeal: x.acqPerSec / ideal.acqPerSec,
      writes: x.writesPerAcq,
      jain: x.jain,
      p50: x.handoffMs.median,
      p99: x.handoffMs.p99,
    });
  }
}
await server.stop();
const med = (a) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(`N=${n}, ${windowMs} ms x ${rounds} rounds (medians over rounds)`);
for (const [i, s] of settings.entries()) {
  const pick = (k) => round(med(rows[i].map((x) => x[k])), 3);
  console.log(
    `${s.name.padEnd(16)} ofIdeal ${pick('ofIdeal')}  writes/acq ${pick('writes')}  jain ${pick('jain')}  handoff p50 ${pick('p50')} p99 ${pick('p99')}`,
  );
}
