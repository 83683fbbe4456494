// Imports one module in a fresh process and reports how long it took and what memory it added.
const specifier = process.argv[2];
globalThis.gc?.();
const m0 = process.memoryUsage();
const t0 = performance.now();
await import(specifier);
const ms = performance.now() - t0;
globalThis.gc?.();
const m1 = process.memoryUsage();
process.stdout.write(
  JSON.stringify({ ms, rssMB: (m1.rss - m0.rss) / 2 ** 20, heapMB: (m1.heapUsed - m0.heapUsed) / 2 ** 20 }),
);
