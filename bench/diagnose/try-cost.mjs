// What one refused try costs, client and server together: acquire({ blocking: false }) on a lock
// held elsewhere, with this checkout's build and the baseline's (161b8b4, built by a waiting bench
// run into bench/results), interleaved on one dynalite; median and p90 wall ms per call.
//   npm run build && node bench/diagnose/try-cost.mjs
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { freshTable, makeClient, startServer } from '../lib/server.mjs';
import { quantile, round } from '../lib/stats.mjs';

const cur = await import('../../dist/index.js');
const base = await import('../results/baseline-161b8b4189a0/dist/index.js');
const server = await startServer();
const client = makeClient(server.endpoint);
const tableName = await freshTable(client, 'cost');
const builds = { baseline: base, current: cur };
const ms = { baseline: [], current: [] };
const holders = {};
for (const [n, b] of Object.entries(builds)) {
  holders[n] = new b.DynamoDbLock(`held-${n}`, { client, tableName, duration: 60 });
  await holders[n].acquire();
}
const logger = { warn() {}, info() {}, debug() {}, error() {} };
for (let r = 0; r < 20; r++) {
  for (const [n, b] of Object.entries(builds)) {
    const l = new b.DynamoDbLock(`held-${n}`, { client, tableName, duration: 60, logger });
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const ok = await l.acquire({ blocking: false });
      ms[n].push(performance.now() - t0);
      if (ok) throw new Error('got it');
    }
  }
}
for (const [n, v] of Object.entries(ms))
  console.log(n, 'median ms', round(quantile(v, 0.5), 3), 'p90', round(quantile(v, 0.9), 3));
client.destroy();
await server.stop();
