// Scenario 'otel' (--only=otel): what dynamo-dlm/opentelemetry costs on the uncontended cycle
// (one acquire() + release() on one lock), side by side with no instrumentation, interleaved in
// blocks (ABC...) so that drift on a shared machine hits all arms alike. Arms:
// - plain: nothing subscribed to the locks' diagnostics channels (the core publishes nothing);
// - noSdk: instrumentLocks() with no SDK registered: the events flow into the API's no-op meter
//   and tracer;
// - sdk: instrumentLocks() into an SDK (a MeterProvider with a reader, so that every record is
//   aggregated, and a BasicTracerProvider with a BatchSpanProcessor whose exporter drops the
//   spans: the cost of making them, not of shipping them).
// Only one arm's instrumentation is subscribed at a time: it is started before the arm's block
// and stopped after. No context manager is registered in any arm (an application's
// AsyncLocalStorage context manager costs every promise, instrumented or not).
// Two settings: the cycle on the bench's dynalite (what a caller sees, server CPU included), and
// the cycle on a client that answers at once (the library's own CPU alone: the instrumentation's
// share of it is the most it can ever add).
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { DynamoDbLock } from '../../dist/index.js';
import { instrumentLocks } from '../../dist/opentelemetry.js';
import { freshTable, makeClient } from '../lib/server.mjs';
import { quantile, round, summary } from '../lib/stats.mjs';

/** An SDK of the bench's own, not registered globally; counts the spans it is given. */
function sdk() {
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 2 ** 30,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const dropping = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
  let spans = 0;
  const counting = { onStart: () => {}, onEnd: () => spans++, forceFlush: async () => {}, shutdown: async () => {} };
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropping), counting] });
  return {
    meterProvider,
    tracerProvider,
    spans: () => spans,
    shutdown: async () => {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    },
  };
}

/** The arms, side by side on `lock`: wall and process CPU per cycle, and the ratios to `plain`. */
async function interleave(lock, telemetry, { blocks, blockSize, warmup }) {
  const arms = {
    plain: () => undefined,
    noSdk: () => instrumentLocks(),
    sdk: () => instrumentLocks({ meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider }),
  };
  const names = Object.keys(arms);
  const cycle = async () => {
    await lock.acquire();
    await lock.release();
  };
  for (const n of names) {
    const instrumentation = arms[n]();
    for (let i = 0; i < warmup; i++) await cycle();
    instrumentation?.stop();
  }
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  const cpu = Object.fromEntries(names.map((n) => [n, []]));
  const blockRatios = { noSdk: [], sdk: [] };
  const spansBefore = telemetry.spans();
  for (let b = 0; b < blocks; b++) {
    // Rotate the order, so that no arm always runs right after another one's garbage.
    const order = names.map((_, i) => names[(i + b) % names.length]);
    const medians = {};
    for (const n of order) {
      const instrumentation = arms[n]();
      const block = [];
      const c0 = process.cpuUsage();
      for (let i = 0; i < blockSize; i++) {
        const t0 = performance.now();
        await cycle();
        block.push(performance.now() - t0);
      }
      const c = process.cpuUsage(c0);
      instrumentation?.stop();
      cpu[n].push((c.user + c.system) / 1000 / blockSize);
      samples[n].push(...block);
      medians[n] = quantile(block, 0.5);
    }
    for (const n of ['noSdk', 'sdk']) blockRatios[n].push(medians[n] / medians.plain);
  }
  const s = Object.fromEntries(names.map((n) => [n, summary(samples[n])]));
  const cpuMedian = Object.fromEntries(names.map((n) => [n, quantile(cpu[n], 0.5)]));
  const of = (f) => ({ noSdk: f('noSdk'), sdk: f('sdk') });
  return {
    blockSize,
    blocks,
    wallMs: s,
    cpuMsPerCycle: Object.fromEntries(names.map((n) => [n, summary(cpu[n])])),
    ratio: of((n) => round(s[n].median / s.plain.median, 4)),
    blockRatio: of((n) => summary(blockRatios[n])),
    cpuRatio: of((n) => round(cpuMedian[n] / cpuMedian.plain, 4)),
    cpuExtraMsPerCycle: of((n) => round(cpuMedian[n] - cpuMedian.plain, 4)),
    // One acquire span per cycle in the sdk arm: a check that the arm measured what it says.
    spansPerSdkCycle: round((telemetry.spans() - spansBefore) / (blocks * blockSize), 3),
  };
}

export async function runOtel(server, { quick }) {
  const client = makeClient(server.endpoint);
  const tableName = await freshTable(client, 'otel');
  const telemetry = sdk();
  try {
    const onServer = await interleave(new DynamoDbLock('otel-cycle', { client, tableName, logger: false }), telemetry, {
      blocks: quick ? 5 : 45,
      blockSize: 40,
      warmup: quick ? 30 : 60,
    });
    // Answers every write at once with an empty item: the lock's own work, and nothing else.
    const instant = { send: () => Promise.resolve({ $metadata: {} }), config: {} };
    const libraryOnly = await interleave(
      new DynamoDbLock('otel-cycle', { client: instant, logger: false }),
      telemetry,
      {
        blocks: quick ? 5 : 45,
        blockSize: 400,
        warmup: quick ? 300 : 2_000,
      },
    );
    return { onServer, libraryOnly };
  } finally {
    await telemetry.shutdown();
    client.destroy();
  }
}
