/**
 * dynamo-dlm/opentelemetry on the embedded server: each instrument's value, and the spans, after
 * scripted scenarios (a cycle inside a request, contention, a timeout, an abort, an error,
 * throttling, a lost lease, renewals, an election hand-over), read from the SDK's in-memory exporters.
 */
import { context, DiagLogLevel, diag, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { AbortedError, DynamoDbLock, LeaderElection, type LockOptions, TableNotFoundError } from '../../src/index.js';
import { instrumentLocks, type LockInstrumentation } from '../../src/opentelemetry.js';
import { clientFor, dynalite, freshTable } from '../support/backends.js';
import { FaultInjector } from '../support/faults.js';
import { startTelemetry } from '../support/telemetry.js';
import { delay } from './helpers.js';

const M = {
  acquire: 'dynamo_dlm.lock.acquire.duration',
  hold: 'dynamo_dlm.lock.hold.duration',
  acquisitions: 'dynamo_dlm.lock.acquisitions',
  refusals: 'dynamo_dlm.lock.refusals',
  throttles: 'dynamo_dlm.lock.throttles',
  losses: 'dynamo_dlm.lock.losses',
  extend: 'dynamo_dlm.lock.extend.duration',
  held: 'dynamo_dlm.lock.held',
  terms: 'dynamo_dlm.election.terms',
  leader: 'dynamo_dlm.election.leader',
};
const ACQUIRE_SPAN = 'dynamo_dlm.acquire';
/** How many of a span's attempts were interrupted by the server (throttled or failed transiently). */
const throttledEvents = (span: { events: readonly { name: string }[] }) =>
  span.events.filter((e) => e.name === 'dynamo_dlm.throttled').length;

describe('OpenTelemetry metrics and traces on dynalite', () => {
  const backend = dynalite();
  const faults = new FaultInjector();
  const client = clientFor(backend, { requestHandler: faults.handler });
  // A second client: a holder on it is not in the same process-local line as the locks on
  // `client`, so that these write and are refused, as waiters in another process would be.
  const other = clientFor(backend);
  const contextManager = new AsyncLocalStorageContextManager();
  let tableName: string;
  let t: ReturnType<typeof startTelemetry>;
  let instrumentation: LockInstrumentation;
  let n = 0;
  const fresh = (prefix: string) => `${prefix}-${++n}`;
  const make = (id: string, options: LockOptions = {}) =>
    new DynamoDbLock(id, { client, tableName, logger: false, ...options });
  const holder = (id: string, options: LockOptions = {}) => make(id, { client: other, ...options });
  const table = () => ({ 'dynamo_dlm.table': tableName });
  const acquireSpanOf = (lock: DynamoDbLock) =>
    t.ended(ACQUIRE_SPAN).find((s) => s.attributes['dynamo_dlm.fencing_token'] === lock.fencingToken);

  beforeAll(async () => {
    tableName = await freshTable(client, 'otel');
    context.setGlobalContextManager(contextManager.enable());
  });
  afterAll(() => {
    context.disable();
    client.destroy();
    other.destroy();
  });
  beforeEach(() => {
    faults.clear();
    t = startTelemetry();
    instrumentation = instrumentLocks({ meterProvider: t.meterProvider, tracerProvider: t.tracerProvider });
  });
  afterEach(async () => {
    instrumentation.stop();
    await t.shutdown();
  });

  test("a cycle inside a request: its metrics, the acquire span under the request's, the release an event on it", async () => {
    const id = fresh('cycle');
    const lock = make(id);
    const tracer = t.tracerProvider.getTracer('test');
    const request = await tracer.startActiveSpan('request', async (span) => {
      expect(await lock.acquire()).toBe(true);
      expect(await t.sum(M.held, table())).toBe(1);
      await delay(50);
      await lock.release();
      span.end();
      return span.spanContext();
    });
    expect(await t.sum(M.held, table())).toBe(0);
    expect(await t.histogram(M.acquire, { ...table(), 'dynamo_dlm.outcome': 'acquired' })).toMatchObject({ count: 1 });
    expect(await t.sum(M.acquisitions, { ...table(), 'dynamo_dlm.took_over': false })).toBe(1);
    const hold = await t.histogram(M.hold, { ...table(), 'dynamo_dlm.outcome': 'released' });
    expect(hold.count).toBe(1);
    expect(hold.sum).toBeGreaterThanOrEqual(0.05);
    // No metric names the resource unless asked to.
    for (const name of Object.values(M)) {
      for (const p of await t.points(name)) expect(p.attributes).not.toHaveProperty('dynamo_dlm.resource_id');
    }

    const span = acquireSpanOf(lock)!;
    expect(span.parentSpanContext?.spanId).toBe(request.spanId);
    expect(span.spanContext().traceId).toBe(request.traceId);
    expect(span.attributes).toMatchObject({
      'dynamo_dlm.table': tableName,
      'dynamo_dlm.resource_id': id,
      'dynamo_dlm.blocking': true,
      'dynamo_dlm.outcome': 'acquired',
      'dynamo_dlm.attempts': 1,
      'dynamo_dlm.took_over': false,
    });
    expect(span.attributes['dynamo_dlm.wait']).toBeGreaterThan(0);
    const [requestSpan] = t.ended('request');
    const released = requestSpan!.events.find((e) => e.name === 'dynamo_dlm.released');
    expect(released?.attributes).toMatchObject({ 'dynamo_dlm.fencing_token': lock.fencingToken });
  });

  test('contention: every refused write is counted, and is an event of the waiting acquire span', async () => {
    const id = fresh('contended');
    const first = holder(id);
    const waiter = make(id);
    await first.acquire();
    const waiting = waiter.acquire({ timeout: 10 });
    await delay(400);
    await first.release();
    expect(await waiting).toBe(true);
    const refusals = await t.sum(M.refusals, table());
    expect(refusals).toBeGreaterThanOrEqual(1);
    const span = acquireSpanOf(waiter)!;
    expect(span.events.filter((e) => e.name === 'dynamo_dlm.contended')).toHaveLength(refusals);
    // A transient failure of the loaded test server is an attempt too, and its own event.
    expect(span.attributes['dynamo_dlm.attempts']).toBe(refusals + throttledEvents(span) + 1);
    const wait = await t.histogram(M.acquire, { ...table(), 'dynamo_dlm.outcome': 'acquired' });
    expect(wait.count).toBe(2);
    expect(wait.sum).toBeGreaterThanOrEqual(0.4);
    await waiter.release();
  });

  test('timeout, unavailable, aborted and error: each outcome of the wait histogram, and of the span', async () => {
    const id = fresh('outcomes');
    const first = holder(id);
    await first.acquire();
    const lock = make(id);
    // One throttled write among the refusals: both are attempts of the span.
    faults.inject({ kind: 'throttle' }, { times: 1, operation: 'UpdateItem' });
    expect(await lock.acquire({ timeout: 0.3 })).toBe(false);
    expect(await lock.acquire({ blocking: false })).toBe(false);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(lock.acquire({ signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
    const missing = new DynamoDbLock(id, { client, tableName: 'no_such_table', logger: false });
    await expect(missing.acquire()).rejects.toBeInstanceOf(TableNotFoundError);
    await first.release();

    const outcome = (o: string) => ({ ...table(), 'dynamo_dlm.outcome': o });
    const timeout = await t.histogram(M.acquire, outcome('timeout'));
    expect(timeout.count).toBe(1);
    expect(timeout.sum).toBeGreaterThanOrEqual(0.3);
    expect(await t.histogram(M.acquire, outcome('unavailable'))).toMatchObject({ count: 1 });
    expect(await t.histogram(M.acquire, outcome('aborted'))).toMatchObject({ count: 1 });
    expect(
      await t.histogram(M.acquire, {
        'dynamo_dlm.table': 'no_such_table',
        'dynamo_dlm.outcome': 'error',
        'error.type': 'TABLE_NOT_FOUND',
      }),
    ).toMatchObject({ count: 1 });

    const spans = t.ended(ACQUIRE_SPAN);
    const byOutcome = (o: string) => spans.filter((s) => s.attributes['dynamo_dlm.outcome'] === o);
    const [timedOut] = byOutcome('timeout');
    expect(timedOut!.attributes['dynamo_dlm.timeout']).toBe(0.3);
    expect(throttledEvents(timedOut!)).toBeGreaterThanOrEqual(1);
    expect(timedOut!.attributes['dynamo_dlm.attempts']).toBe(
      timedOut!.events.filter((e) => e.name === 'dynamo_dlm.contended').length + throttledEvents(timedOut!),
    );
    expect(timedOut!.status.code).toBe(SpanStatusCode.UNSET);
    expect(byOutcome('unavailable')[0]!.attributes['dynamo_dlm.blocking']).toBe(false);
    expect(byOutcome('aborted')[0]!.status.code).toBe(SpanStatusCode.UNSET);
    const [failed] = byOutcome('error');
    expect(failed!.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed!.attributes['error.type']).toBe('TABLE_NOT_FOUND');
    expect(failed!.events.map((e) => e.name)).toContain('exception');
  });

  test('throttling: each throttled write counted by operation and error type, and an event of the acquire span', async () => {
    const id = fresh('throttled');
    const lock = make(id);
    faults.inject({ kind: 'throttle' }, { times: 2, operation: 'UpdateItem' });
    expect(await lock.acquire()).toBe(true);
    await lock.release();
    expect(
      await t.sum(M.throttles, {
        ...table(),
        'dynamo_dlm.operation': 'acquire',
        'error.type': 'ProvisionedThroughputExceededException',
      }),
    ).toBe(2);
    const span = acquireSpanOf(lock)!;
    expect(span.events.filter((e) => e.name === 'dynamo_dlm.throttled')).toHaveLength(2);
    expect(span.attributes['dynamo_dlm.attempts']).toBe(3);
  });

  test('a lost lease: counted by reason, its hold recorded once, and a span in the acquire’s trace, linked to it', async () => {
    const id = fresh('lost');
    const lock = make(id, { duration: 1 });
    const tracer = t.tracerProvider.getTracer('test');
    const request = await tracer.startActiveSpan('request', async (span) => {
      await lock.acquire();
      span.end();
      return span.spanContext();
    });
    await new Promise((resolve) => lock.signal.addEventListener('abort', resolve, { once: true }));
    expect(await t.sum(M.losses, { ...table(), 'dynamo_dlm.reason': 'expired' })).toBe(1);
    expect(await t.sum(M.held, table())).toBe(0);
    // Lost inside the safety margin, released in time: the release resolves, and the hold stays one hold.
    await lock.release();
    const lostHold = await t.histogram(M.hold, { ...table(), 'dynamo_dlm.outcome': 'lost' });
    expect(lostHold.count).toBe(1);
    expect(lostHold.sum).toBeGreaterThanOrEqual(0.7);
    expect(await t.histogram(M.hold, { ...table(), 'dynamo_dlm.outcome': 'released' })).toMatchObject({ count: 0 });

    const [lost] = t.ended('dynamo_dlm.lost');
    expect(lost!.parentSpanContext?.spanId).toBe(request.spanId);
    expect(lost!.links.map((l) => l.context.spanId)).toEqual([acquireSpanOf(lock)!.spanContext().spanId]);
    expect(lost!.attributes).toMatchObject({
      'dynamo_dlm.reason': 'expired',
      'dynamo_dlm.fencing_token': lock.fencingToken,
    });
    expect(lost!.status.code).toBe(SpanStatusCode.ERROR);

    // The next holder takes over the lease that was never released.
    const next = make(id, { clockSkewAllowance: 0 });
    const unreleased = make(id, { duration: 1 });
    await unreleased.acquire({ autoRenew: false });
    expect(await next.acquire({ timeout: 5 })).toBe(true);
    expect(await t.sum(M.acquisitions, { ...table(), 'dynamo_dlm.took_over': true })).toBe(1);
    await next.release();
    await unreleased.release().catch(() => undefined);
  });

  test('renewals: one point of the extend histogram per renewal, automatic or not', async () => {
    const id = fresh('renewed');
    let extended = 0;
    const lock = make(id, { duration: 1, autoRenew: true, hooks: { extended: () => extended++ } });
    await lock.acquire();
    await delay(800);
    await lock.extend();
    await lock.release();
    const automatic = await t.histogram(M.extend, { ...table(), 'dynamo_dlm.automatic': true });
    expect(automatic.count).toBeGreaterThanOrEqual(1);
    expect(await t.histogram(M.extend, { ...table(), 'dynamo_dlm.automatic': false })).toMatchObject({ count: 1 });
    expect(automatic.count + 1).toBe(extended);
    expect(automatic.sum).toBeGreaterThan(0);
  });

  test('an election hand-over: terms won, and which election leads now', async () => {
    const name = fresh('election');
    const options = { client, tableName, duration: 1, logger: false as const, handleSignals: false };
    const first = new LeaderElection(name, options);
    const second = new LeaderElection(name, options);
    // A second instrumentation that follows the second election alone.
    const t2 = startTelemetry();
    const only = instrumentLocks({
      lock: second,
      meterProvider: t2.meterProvider,
      tracerProvider: t2.tracerProvider,
      resourceIdInMetrics: true,
    });
    try {
      await first.start();
      await second.start();
      expect(first.isLeader()).toBe(true);
      expect(await t.sum(M.leader, table())).toBe(1);
      expect(await t2.sum(M.leader)).toBe(0);
      const elected = second.events();
      await first.stop();
      expect((await elected.next()).value).toMatchObject({ type: 'elected' });
      expect(second.isLeader()).toBe(true);
      expect(await t.sum(M.terms, table())).toBe(2);
      expect(await t.sum(M.leader, table())).toBe(1);
      expect(await t2.sum(M.terms, { 'dynamo_dlm.resource_id': name })).toBe(1);
      expect(await t2.sum(M.leader, { 'dynamo_dlm.resource_id': name })).toBe(1);
      expect(await t2.sum(M.acquisitions)).toBe(1);
      await second.stop();
      expect(await t.sum(M.leader, table())).toBe(0);
      expect(await t2.sum(M.leader, { 'dynamo_dlm.resource_id': name })).toBe(0);
    } finally {
      only.stop();
      await first.stop();
      await second.stop();
      await t2.shutdown();
    }
  });

  test('one lock: the others are not recorded; stop() records nothing more', async () => {
    const followed = make(fresh('followed'));
    const ignored = make(fresh('ignored'));
    const t2 = startTelemetry();
    const only = instrumentLocks({
      lock: followed,
      meterProvider: t2.meterProvider,
      tracerProvider: t2.tracerProvider,
    });
    for (const lock of [followed, ignored]) {
      await lock.acquire();
      await lock.release();
    }
    expect(await t2.sum(M.acquisitions)).toBe(1);
    expect(t2.ended(ACQUIRE_SPAN)).toHaveLength(1);
    only.stop();
    only.stop();
    await followed.acquire();
    await followed.release();
    expect(await t2.sum(M.acquisitions)).toBe(1);
    expect(t2.ended(ACQUIRE_SPAN)).toHaveLength(1);
    await t2.shutdown();
  });

  test('an instrumentation that fails is reported to diag and never reaches the lock', async () => {
    const errors: unknown[][] = [];
    const logger = { error: (...args: unknown[]) => errors.push(args), warn() {}, info() {}, debug() {}, verbose() {} };
    diag.setLogger(logger, DiagLogLevel.ERROR);
    const broken = () => {
      throw new Error('exporter down');
    };
    const instrument = { add: broken, record: broken, addCallback() {}, removeCallback() {} };
    const meter = new Proxy({}, { get: () => () => instrument });
    const failing = instrumentLocks({
      meterProvider: { getMeter: () => meter as never },
      tracerProvider: t.tracerProvider,
    });
    try {
      const lock = make(fresh('failing'));
      expect(await lock.acquire()).toBe(true);
      await lock.release();
      expect(errors.length).toBeGreaterThanOrEqual(3);
      expect(String(errors[0]![0])).toMatch(/dynamo-dlm: recording the '\w+' event failed/);
      // The healthy instrumentation next to it recorded everything.
      expect(await t.sum(M.acquisitions, table())).toBe(1);
    } finally {
      failing.stop();
      diag.disable();
    }
  });
});
