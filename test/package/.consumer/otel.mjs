// Run by scripts/check-package.mjs after installing @opentelemetry/api and the SDK: the
// dynamo-dlm/opentelemetry entry, imported from ESM, records a lock cycle on dynalite into the
// SDK's in-memory exporters.

import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { DynamoDbLock } from 'dynamo-dlm';
import * as otel from 'dynamo-dlm/opentelemetry';
import { startLocalDynamo } from 'dynamo-dlm/testing';

if (Object.keys(otel).join() !== 'instrumentLocks') throw new Error(`unexpected exports: ${Object.keys(otel)}`);
const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 2 ** 30 });
const meterProvider = new MeterProvider({ readers: [reader] });
const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const instrumentation = otel.instrumentLocks({ meterProvider, tracerProvider });

const local = await startLocalDynamo();
try {
  const lock = new DynamoDbLock('otel-check', { client: local.client, logger: false });
  await lock.acquire();
  await lock.release();
  await reader.forceFlush();
  const names = metrics
    .getMetrics()
    .flatMap((r) => r.scopeMetrics)
    .filter((s) => s.scope.name === 'dynamo-dlm')
    .flatMap((s) => s.metrics.map((m) => m.descriptor.name));
  for (const name of [
    'dynamo_dlm.lock.acquire.duration',
    'dynamo_dlm.lock.acquisitions',
    'dynamo_dlm.lock.hold.duration',
  ]) {
    if (!names.includes(name)) throw new Error(`metric ${name} not recorded; got ${names.join(', ')}`);
  }
  const acquire = spans.getFinishedSpans().filter((s) => s.name === 'dynamo_dlm.acquire');
  if (acquire.length !== 1 || acquire[0].attributes['dynamo_dlm.fencing_token'] !== lock.fencingToken) {
    throw new Error(`expected one acquire span with the fencing token, got ${acquire.length}`);
  }
  console.log(JSON.stringify({ ok: true, metrics: names.length, spans: spans.getFinishedSpans().length }));
} finally {
  instrumentation.stop();
  await local.stop();
}
