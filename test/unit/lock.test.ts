/** The public class: its state machine, option precedence, and calls into user code. */
import { describe, expect, test } from 'vitest';
import { AbortedError, InvalidArgumentError, MisconfiguredError } from '../../src/errors.js';
import { DynamoDbLock } from '../../src/lock.js';
import type { LockOptions } from '../../src/options/lock-options.js';
import { withClock } from '../../src/runtime/test-seam.js';
import { withLock } from '../../src/with-lock.js';
import { recordingLogger } from '../integration/helpers.js';
import { conditionFailed, FakeClient, reset } from '../support/fake-client.js';
import { FakeClock } from '../support/fake-clock.js';
import { setup, WALL } from '../support/lock-harness.js';

describe('option precedence at the call', () => {
  test('a per-call autoRenew: false beats the lock option autoRenew: true', async () => {
    const { clock, fake, lock } = setup({ autoRenew: true });
    await lock.acquire({ autoRenew: false });
    await clock.advance(2_000);
    expect(fake.of('extend')).toHaveLength(0);
    await lock.release();
    await lock.acquire();
    await clock.advance(2_000);
    expect(fake.of('extend').length).toBeGreaterThanOrEqual(2);
    await lock.release();
  });

  test('a hook that throws is logged and ignored; the lock carries on', async () => {
    const clock = new FakeClock(WALL);
    const fake = new FakeClient(clock.monotonic);
    const log = recordingLogger();
    const hooks = {
      acquired: () => {
        throw new Error('metrics down');
      },
    };
    const lock = new DynamoDbLock('res', withClock({ client: fake.asClient, duration: 3, logger: log, hooks }, clock));
    expect(await lock.acquire()).toBe(true);
    expect(lock.locked()).toBe(true);
    expect(log.lines.some((l) => l.level === 'error' && /'acquired' hook threw/.test(l.message))).toBe(true);
    await lock.release();
  });
});

describe('owner and data through withLock', () => {
  test('withLock writes its owner and data, lets the work setData, and checks both before any request', async () => {
    const clock = new FakeClock(WALL);
    const fake = new FakeClient(clock.monotonic);
    const options = { client: fake.asClient, logger: false as const, owner: 'cron', data: 'start' };
    await withLock('job', (lock) => lock.setData('half way'), withClock(options, clock));
    expect(fake.of('acquire')[0]!.input.ExpressionAttributeValues).toMatchObject({
      ':owner': { S: 'cron' },
      ':data': { S: 'start' },
    });
    expect(fake.of('extend')[0]!.input.ExpressionAttributeValues![':data']).toEqual({ S: 'half way' });
    const calls = fake.calls.length;
    await expect(withLock('job', () => 1, { ...options, owner: 'a\nb' })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(withLock('job', () => 1, { ...options, data: 'x'.repeat(700) })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(fake.calls.length).toBe(calls);
  });
});

describe('acquireStarted and acquireEnded: every acquire that begins reports how it ended', () => {
  /** A lock whose two acquire hooks, and its `extended` hook, record into `events`. */
  function withAcquireHooks(options: LockOptions = {}) {
    const events: { name: string; event: Record<string, unknown> }[] = [];
    const record = (name: string) => (event: unknown) => events.push({ name, event: event as Record<string, unknown> });
    const h = setup({
      hooks: {
        acquireStarted: record('acquireStarted'),
        acquireEnded: record('acquireEnded'),
        extended: record('extended'),
      },
      ...options,
    });
    const ended = () => events.filter((e) => e.name === 'acquireEnded').map((e) => e.event);
    return { ...h, events, ended };
  }

  test('acquired: started in the call itself, ended with the wait measured by the lock clock', async () => {
    const { clock, fake, lock, events, ended } = withAcquireHooks();
    fake.script('acquire', 'hang');
    const acquiring = lock.acquire({ timeout: 5 });
    // Synchronously, before the call returns: the caller's async context is still current.
    expect(events).toEqual([
      { name: 'acquireStarted', event: { resourceId: 'res', blocking: true, timeoutMs: 5_000 } },
    ]);
    await clock.advance(250);
    fake.of('acquire')[0]!.resolve({});
    expect(await acquiring).toBe(true);
    expect(ended()).toEqual([{ resourceId: 'res', outcome: 'acquired', waitMs: 250 }]);
    await lock.release();
  });

  test('timeout and unavailable: a blocking acquire that ran out of time, a single try that found it held', async () => {
    const { clock, fake, lock, ended } = withAcquireHooks();
    fake.otherwise('acquire', () => conditionFailed());
    const waiting = lock.acquire({ timeout: 1 });
    await clock.advance(1_000);
    expect(await waiting).toBe(false);
    expect(await lock.acquire({ blocking: false })).toBe(false);
    expect(ended()).toEqual([
      { resourceId: 'res', outcome: 'timeout', waitMs: 1_000 },
      { resourceId: 'res', outcome: 'unavailable', waitMs: 0 },
    ]);
  });

  test('aborted and error carry what acquire() threw; a call refused before it begins reports nothing', async () => {
    const { clock, fake, lock, events, ended } = withAcquireHooks();
    fake.otherwise('acquire', () => conditionFailed());
    const controller = new AbortController();
    const waiting = lock.acquire({ signal: controller.signal }).catch((e: unknown) => e);
    await clock.advance(300);
    controller.abort();
    const aborted = await waiting;
    expect(aborted).toBeInstanceOf(AbortedError);
    fake.otherwise('acquire', () => Object.assign(new Error('no'), { name: 'AccessDeniedException' }));
    const failed = await lock.acquire().catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(MisconfiguredError);
    expect(ended()).toEqual([
      { resourceId: 'res', outcome: 'aborted', waitMs: 300, error: aborted },
      { resourceId: 'res', outcome: 'error', waitMs: 0, error: failed },
    ]);
    const before = events.length;
    await expect(lock.acquire({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortedError);
    expect(events).toHaveLength(before);
  });

  test('extended carries how long the extend took, retries included', async () => {
    const { clock, fake, lock, events } = withAcquireHooks();
    fake.script('extend', reset(), 'hang');
    await lock.acquire();
    const extending = lock.extend();
    await clock.flush();
    const [first] = fake.of('extend');
    await clock.advance(200);
    const second = fake.of('extend')[1]!;
    await clock.advance(40);
    second.resolve({});
    await extending;
    const extended = events.find((e) => e.name === 'extended')!.event;
    expect(extended.durationMs).toBe(clock.monotonic() - first!.at);
    expect(extended.durationMs).toBeGreaterThan(second.at - first!.at);
    await lock.release();
  });
});
