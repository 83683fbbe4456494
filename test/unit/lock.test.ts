/** The public class: its state machine, option precedence, and calls into user code. */
import { describe, expect, test } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { DynamoDbLock } from '../../src/lock.js';
import { withClock } from '../../src/runtime/test-seam.js';
import { withLock } from '../../src/with-lock.js';
import { recordingLogger } from '../integration/helpers.js';
import { FakeClient } from '../support/fake-client.js';
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
