import type { Attributes } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** One data point as the tests read it: a sum's value, or a histogram's count and sum. */
export interface Point {
  readonly attributes: Attributes;
  readonly value: number | Histogram;
}

/**
 * An OpenTelemetry SDK of the tests' own (not registered globally): a meter provider whose
 * reader exports to memory when asked, and a tracer provider exporting each ended span to memory.
 */
export function startTelemetry() {
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // Exports only when flushed: the interval is far longer than any test.
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 2 ** 30 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });

  /** Every data point of the metric `name` now, by attribute set. */
  async function points(name: string): Promise<Point[]> {
    metricExporter.reset();
    await reader.forceFlush();
    const out: Point[] = [];
    for (const resource of metricExporter.getMetrics()) {
      for (const scope of resource.scopeMetrics) {
        for (const metric of scope.metrics) {
          if (metric.descriptor.name !== name) continue;
          for (const p of metric.dataPoints) {
            out.push({
              attributes: p.attributes,
              value: metric.dataPointType === DataPointType.HISTOGRAM ? (p.value as Histogram) : (p.value as number),
            });
          }
        }
      }
    }
    return out;
  }

  /** The points of `name` whose attributes include `match`. */
  const matching = async (name: string, match: Attributes) =>
    (await points(name)).filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v));

  return {
    meterProvider,
    tracerProvider,
    spans,
    points,
    /** A counter's (or up-down counter's) value summed over the points matching `match`; 0 when none. */
    async sum(name: string, match: Attributes = {}): Promise<number> {
      return (await matching(name, match)).reduce((s, p) => s + (p.value as number), 0);
    },
    /** A histogram's count and sum over the points matching `match`. */
    async histogram(name: string, match: Attributes = {}): Promise<{ count: number; sum: number }> {
      return (await matching(name, match)).reduce(
        (s, p) => ({ count: s.count + (p.value as Histogram).count, sum: s.sum + ((p.value as Histogram).sum ?? 0) }),
        { count: 0, sum: 0 },
      );
    },
    /** Ended spans named `name`. */
    ended: (name: string) => spans.getFinishedSpans().filter((s) => s.name === name),
    async shutdown(): Promise<void> {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    },
  };
}
