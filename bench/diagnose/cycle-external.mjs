// Scenario 1's three arms, interleaved, against a DynamoDB endpoint you started yourself (for
// example DynamoDB Local), to see whether the library/floor ratio is a property of dynalite:
//   node bench/diagnose/cycle-external.mjs http://127.0.0.1:PORT [blocks]
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { freshTable, makeClient } from '../lib/server.mjs';
import { quantile, round, summary } from '../lib/stats.mjs';
import { cycleArms } from './arms.mjs';

const [endpoint, blocks = '30'] = process.argv.slice(2);
const client = makeClient(endpoint);
const arms = cycleArms(client, await freshTable(client, `ext${process.pid}`));
const names = Object.keys(arms);
const ms = Object.fromEntries(names.map((n) => [n, []]));
const ratios = [];
for (let i = 0; i < 100; i++) for (const n of names) await arms[n]();
for (let b = 0; b < Number(blocks); b++) {
  const med = {};
  for (const n of names.map((_, i) => names[(i + b) % names.length])) {
    const block = [];
    for (let i = 0; i < 40; i++) {
      const t0 = performance.now();
      await arms[n]();
      block.push(performance.now() - t0);
    }
    ms[n].push(...block);
    med[n] = quantile(block, 0.5);
  }
  ratios.push(med.library / med.raw);
}
for (const n of names) console.log(n.padEnd(8), JSON.stringify(summary(ms[n])));
console.log(
  'library/raw',
  round(quantile(ms.library, 0.5) / quantile(ms.raw, 0.5), 3),
  'byHand/raw',
  round(quantile(ms.byHand, 0.5) / quantile(ms.raw, 0.5), 3),
  'library/byHand',
  round(quantile(ms.library, 0.5) / quantile(ms.byHand, 0.5), 3),
  'block ratios',
  JSON.stringify(summary(ratios)),
);
client.destroy();
