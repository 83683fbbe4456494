// Prints the table and target verdicts of a saved results.json and redraws its chart:
//   node bench/print.mjs [path/to/results.json]
import { readFile, writeFile } from 'node:fs/promises';
import { chart } from './lib/chart.mjs';
import { table } from './lib/report.mjs';

const file = new URL(process.argv[2] ?? 'results/results.json', `file://${process.cwd()}/`);
const results = JSON.parse(await readFile(file, 'utf8'));
console.log(table(results));
await writeFile(new URL('chart.svg', file), chart(results));
