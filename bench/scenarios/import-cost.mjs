// Scenario 5: time and memory to import the package vs the SDK client alone, each in a fresh
// child process, alternating (ABAB...) so machine noise hits both alike.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { round, summary } from '../lib/stats.mjs';

const run = promisify(execFile);
const PROBE = fileURLToPath(new URL('../workers/import-probe.mjs', import.meta.url));
// The package imports itself by name (exports self-reference), exactly as a user would.
const TARGETS = { library: 'dynamo-dlm', sdk: '@aws-sdk/client-dynamodb' };

async function probe(specifier) {
  const t0 = performance.now();
  const { stdout } = await run(process.execPath, ['--expose-gc', PROBE, specifier]);
  return { ...JSON.parse(stdout), processMs: performance.now() - t0 };
}

export async function runImportCost({ quick }) {
  const runs = quick ? 3 : 12;
  const samples = { library: [], sdk: [] };
  await probe(TARGETS.library);
  await probe(TARGETS.sdk);
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? ['library', 'sdk'] : ['sdk', 'library'];
    for (const k of order) samples[k].push(await probe(TARGETS[k]));
  }
  const out = { runs };
  for (const [k, s] of Object.entries(samples)) {
    out[k] = {
      specifier: TARGETS[k],
      importMs: summary(s.map((x) => x.ms)),
      processMs: summary(s.map((x) => x.processMs)),
      rssMB: summary(s.map((x) => x.rssMB)),
      heapMB: summary(s.map((x) => x.heapMB)),
    };
  }
  out.importRatio = round(out.library.importMs.median / out.sdk.importMs.median, 4);
  out.extraHeapMB = round(out.library.heapMB.median - out.sdk.heapMB.median, 3);
  return out;
}
