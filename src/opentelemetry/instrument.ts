import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { diag } from '@opentelemetry/api';
import { campaignLockOf } from '../election/campaign-lock.js';
import {
  ELECTION_CHANNEL_NAME,
  type ElectionMessage,
  HOOK_NAMES,
  type LockHooks,
  type LockMessage,
  lockChannelName,
} from '../events.js';
import { LeaderElection } from '../leader-election.js';
import { packageVersion } from '../runtime/package-version.js';
import type { Recorder } from './handlers.js';
import { createInstruments } from './instruments.js';
import { LockMetrics } from './metrics.js';
import { SCOPE } from './names.js';
import { type InstrumentLocksOptions, resolveInstrumentOptions } from './options.js';
import { LockTraces } from './traces.js';

/** A running instrumentation, as {@link instrumentLocks} returns it. */
export interface LockInstrumentation extends Disposable {
  /**
   * Stops recording: unsubscribes from the locks' events and stops the counts read at
   * collection. Idempotent. An acquire in flight then leaves its span unended (it is not exported).
   */
  stop(): void;
}

/** The events of the locks followed, and of the elections followed; `undefined` for everything. */
function follows(target: InstrumentLocksOptions['lock']): {
  lock: (m: LockMessage) => boolean;
  election: (m: ElectionMessage) => boolean;
} {
  if (target === undefined) return { lock: () => true, election: () => true };
  if (target instanceof LeaderElection) {
    const lock = campaignLockOf(target);
    return { lock: (m) => m.lock === lock, election: (m) => m.election === target };
  }
  return { lock: (m) => m.lock === target, election: () => false };
}

/**
 * Records OpenTelemetry metrics and traces for every lock and election in the process (or for
 * one, with `lock`), from the events the locks publish on Node's diagnostics channels. Nothing
 * about the locks changes: a lock that nobody instruments publishes nothing, and a failure here
 * is reported through OpenTelemetry's `diag` logger, never to the lock.
 *
 * Call it once, after registering the OpenTelemetry SDK (metrics are bound to the meter
 * provider registered at the call). See `docs/opentelemetry.md` for every instrument and span.
 *
 * @throws {@link InvalidArgumentError} for a bad option, before anything is subscribed.
 *
 * @example
 * import { instrumentLocks } from 'dynamo-dlm/opentelemetry';
 * sdk.start(); // your NodeSDK, or your own providers, registered globally
 * instrumentLocks();
 */
export function instrumentLocks(options?: InstrumentLocksOptions): LockInstrumentation {
  const o = resolveInstrumentOptions(options);
  const version = packageVersion();
  const metrics = new LockMetrics(createInstruments(o.meterProvider.getMeter(SCOPE, version)), o.resourceIdInMetrics);
  const recorders: readonly Recorder[] = [metrics, new LockTraces(o.tracerProvider.getTracer(SCOPE, version))];
  const only = follows(o.lock);
  // A subscriber that throws would crash the process (Node rethrows it on the next tick).
  const failed = (name: string, error: unknown): void =>
    diag.error(`dynamo-dlm: recording the '${name}' event failed`, error);

  const subscriptions: [string, (message: unknown) => void][] = HOOK_NAMES.map((name) => [
    lockChannelName(name),
    (message) => {
      const m = message as LockMessage<typeof name>;
      if (!only.lock(m)) return;
      for (const r of recorders) {
        try {
          (r.lock[name] as ((m: LockMessage<keyof LockHooks>) => void) | undefined)?.(m);
        } catch (error) {
          failed(name, error);
        }
      }
    },
  ]);
  subscriptions.push([
    ELECTION_CHANNEL_NAME,
    (message) => {
      const m = message as ElectionMessage;
      if (!only.election(m)) return;
      for (const r of recorders) {
        try {
          r.election?.(m);
        } catch (error) {
          failed(m.event.type, error);
        }
      }
    },
  ]);
  for (const [channel, fn] of subscriptions) subscribe(channel, fn);

  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    for (const [channel, fn] of subscriptions) unsubscribe(channel, fn);
    metrics.stop();
  };
  return { stop, [Symbol.dispose]: stop };
}
