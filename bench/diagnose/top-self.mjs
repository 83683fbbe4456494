// Summarises a .cpuprofile by self time, grouping the library's own files apart from the SDK,
// Node core and native code:  node bench/diagnose/top-self.mjs FILE [rows]
import { readFileSync } from 'node:fs';

const [file, rows = '25'] = process.argv.slice(2);
const p = JSON.parse(readFileSync(file, 'utf8'));
const dt = new Map();
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const by = new Map();
let busy = 0;
for (const node of p.nodes) {
  const t = dt.get(node.id) ?? 0;
  const { url, functionName: fn } = node.callFrame;
  if (fn === '(idle)') continue;
  busy += t;
  let key;
  if (url.includes('/dist/') && !url.includes('node_modules')) key = `dynamo-dlm ${url.split('/dist/')[1]} ${fn}`;
  else if (url.includes('node_modules/dynalite/')) key = `dynalite ${url.split('node_modules/dynalite/')[1]}`;
  else if (url.includes('node_modules')) key = 'SDK and other dependencies';
  else if (url.startsWith('node:')) key = 'Node core';
  else key = `native ${fn}`;
  by.set(key, (by.get(key) ?? 0) + t);
}
console.log(`busy ${(busy / 1000).toFixed(0)} ms`);
for (const [k, t] of [...by].sort((a, b) => b[1] - a[1]).slice(0, Number(rows))) {
  console.log(`${(t / 1000).toFixed(1).padStart(8)} ms  ${k}`);
}
