/** instrumentLocks' options: checked before anything is subscribed; the defaults are the global providers. */
import { channel } from 'node:diagnostics_channel';
import { metrics, trace } from '@opentelemetry/api';
import { describe, expect, test } from 'vitest';
import { lockChannelName } from '../../src/events.js';
import { DynamoDbLock, InvalidArgumentError, LeaderElection } from '../../src/index.js';
import { resolveInstrumentOptions } from '../../src/opentelemetry/options.js';
import { instrumentLocks } from '../../src/opentelemetry.js';

/** Whether anyone listens to the locks' events now. */
const listened = (): boolean => channel(lockChannelName('acquired')).hasSubscribers;

describe('instrumentLocks options', () => {
  test.each([
    ['not an object', 'all', /Expected `instrumentLocks options` to be an object/],
    ['an unknown key', { lockz: 1 }, /Unknown option `lockz` in instrumentLocks options/],
    [
      'a lock that is not one',
      { lock: { resourceId: 'x' } },
      /Expected `lock` to be a DynamoDbLock or a LeaderElection/,
    ],
    [
      'a meter provider without getMeter',
      { meterProvider: {} },
      /Expected `meterProvider` to be an OpenTelemetry meter provider/,
    ],
    ['a tracer provider that is a function', { tracerProvider: () => 1 }, /`tracerProvider`/],
    [
      'resourceIdInMetrics not a boolean',
      { resourceIdInMetrics: 'yes' },
      /Expected `resourceIdInMetrics` to be a boolean/,
    ],
  ])('%s is refused with InvalidArgumentError, and nothing is subscribed', (_, options, message) => {
    expect(() => instrumentLocks(options as never)).toThrow(InvalidArgumentError);
    expect(() => instrumentLocks(options as never)).toThrow(message);
    expect(listened()).toBe(false);
  });

  test('defaults: every lock, the global providers, no resource id in metrics', () => {
    const o = resolveInstrumentOptions(undefined);
    expect(o).toEqual({
      lock: undefined,
      meterProvider: metrics.getMeterProvider(),
      tracerProvider: trace.getTracerProvider(),
      resourceIdInMetrics: false,
    });
  });

  test('a lock or an election is accepted as the one to follow', () => {
    const lock = new DynamoDbLock('r', { client: { send: () => Promise.reject(new Error('unused')) } as never });
    const election = new LeaderElection('e', { client: lock.client as never, handleSignals: false });
    expect(resolveInstrumentOptions({ lock }).lock).toBe(lock);
    expect(resolveInstrumentOptions({ lock: election }).lock).toBe(election);
  });

  test('with no SDK registered it listens, records into the no-op API without harm, and stops listening', async () => {
    const instrumentation = instrumentLocks();
    try {
      expect(listened()).toBe(true);
      const lock = new DynamoDbLock('r', {
        client: { send: () => Promise.resolve({ $metadata: {} }) } as never,
        logger: false,
      });
      expect(await lock.acquire()).toBe(true);
      await lock.release();
    } finally {
      instrumentation.stop();
    }
    expect(listened()).toBe(false);
  });
});
