import { type MeterProvider, metrics, type TracerProvider, trace } from '@opentelemetry/api';
import { LeaderElection } from '../leader-election.js';
import { DynamoDbLock } from '../lock.js';
import { checkBoolean, checkKeys, checkObject, fail } from '../options/validate.js';

/** Options of {@link instrumentLocks}. Every field is optional. */
export interface InstrumentLocksOptions {
  /**
   * Follow only this lock, or only this election (its terms, and its lease's events).
   * @default every lock and election in the process, those `withLock()` makes included
   */
  readonly lock?: DynamoDbLock | LeaderElection;
  /**
   * Where the metrics go.
   * @default the global provider (`metrics.getMeterProvider()`) as it is when `instrumentLocks` is called: register the SDK first
   */
  readonly meterProvider?: MeterProvider;
  /**
   * Where the spans go.
   * @default the global provider (`trace.getTracerProvider()`), which follows an SDK registered later
   */
  readonly tracerProvider?: TracerProvider;
  /**
   * Add the resource id (an election's name) to every metric as `dynamo_dlm.resource_id`. Each
   * resource then makes time series of its own: only for a few, fixed resource ids. Spans carry
   * it always.
   * @default false
   */
  readonly resourceIdInMetrics?: boolean;
}

/** Validated options. */
export interface ResolvedInstrumentOptions {
  readonly lock: DynamoDbLock | LeaderElection | undefined;
  readonly meterProvider: MeterProvider;
  readonly tracerProvider: TracerProvider;
  readonly resourceIdInMetrics: boolean;
}

const KEYS = new Set(['lock', 'meterProvider', 'tracerProvider', 'resourceIdInMetrics']);

function checkProvider<T>(value: unknown, method: string, name: string): T {
  if (typeof value !== 'object' || value === null || typeof (value as Record<string, unknown>)[method] !== 'function') {
    fail(
      name,
      `an OpenTelemetry ${name.replace('Provider', ' provider')} (an object with a \`${method}\` method)`,
      value,
    );
  }
  return value as T;
}

/** Validates the options of `instrumentLocks`, before anything is subscribed. */
export function resolveInstrumentOptions(input: unknown): ResolvedInstrumentOptions {
  const where = 'instrumentLocks options';
  const o = input === undefined ? {} : checkObject(input, where);
  checkKeys(o, KEYS, where);
  if (o.lock !== undefined && !(o.lock instanceof DynamoDbLock) && !(o.lock instanceof LeaderElection)) {
    fail('lock', 'a DynamoDbLock or a LeaderElection', o.lock);
  }
  return {
    lock: o.lock as DynamoDbLock | LeaderElection | undefined,
    meterProvider:
      o.meterProvider === undefined
        ? metrics.getMeterProvider()
        : checkProvider<MeterProvider>(o.meterProvider, 'getMeter', 'meterProvider'),
    tracerProvider:
      o.tracerProvider === undefined
        ? trace.getTracerProvider()
        : checkProvider<TracerProvider>(o.tracerProvider, 'getTracer', 'tracerProvider'),
    resourceIdInMetrics:
      o.resourceIdInMetrics === undefined ? false : checkBoolean(o.resourceIdInMetrics, 'resourceIdInMetrics'),
  };
}
