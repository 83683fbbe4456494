/**
 * The multi-lock's leases on a scripted client and a fake clock: renewal, loss naming the
 * resource, release of every item whatever happened to one, and the state machine.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, test } from 'vitest';
import { AlreadyAcquiredError, LockLostError, LockNotAcquiredError, LockReleasedError } from '../../src/errors.js';
import { DynamoDbLock } from '../../src/lock.js';
import { DynamoDbMultiLock } from '../../src/multi-lock.js';
import { withClock } from '../../src/runtime/test-seam.js';
import { withLock } from '../../src/with-lock.js';
import { FakeClock } from '../support/fake-clock.js';
import { FakeTransactClient } from '../support/fake-transact-client.js';
import { WALL } from '../support/lock-harness.js';

const refused = (owner: string) =>
  Object.assign(new Error('refused'), {
    name: 'ConditionalCheckFailedException',
    Item: { release_code: { S: 'other' }, owner: { S: owner }, expires_ms: { N: '1' } },
  });

function setup() {
  const clock = new FakeClock(WALL);
  const fake = new FakeTransactClient(clock.monotonic);
  const options = withClock({ client: fake.asClient, duration: 3, logger: false as const, autoRenew: true }, clock);
  const locks = new DynamoDbMultiLock(['a', 'b', 'c'], options);
  const extends_ = () => fake.of('UpdateItem').filter((c) => c.input.ConditionExpression?.includes('> :zero'));
  return { clock, fake, locks, extends_, options };
}

describe('DynamoDbMultiLock leases', () => {
  test('every lease renews on its own; extend() pushes all', async () => {
    const { clock, locks, extends_ } = setup();
    await locks.acquire();
    await clock.advance(1_000);
    expect(extends_().map((c) => c.input.Key?.resource_id?.S)).toEqual(['a', 'b', 'c']);
    await locks.extend(60);
    expect(extends_()).toHaveLength(6);
    expect((locks.expiresAt as Date).getTime()).toBe(clock.now() + 60_000);
    expect(locks.locked()).toBe(true);
    await locks.release();
  });

  test('one renewal refused: the signal aborts with that resource’s loss; release frees the others and rejects with it', async () => {
    const { clock, fake, locks } = setup();
    await locks.acquire();
    const signal = locks.signal;
    fake.updates = (input) =>
      input.Key?.resource_id?.S === 'b' && input.ConditionExpression?.includes('> :zero') ? refused('thief') : {};
    await clock.advance(1_000);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(LockLostError);
    expect(signal.reason).toMatchObject({ resourceId: 'b', reason: 'taken', owner: 'thief' });
    expect(locks.locked()).toBe(false);
    fake.updates = (input) => (input.Key?.resource_id?.S === 'b' ? refused('thief') : {});
    await expect(locks.release()).rejects.toBe(signal.reason);
    const releases = fake.of('UpdateItem').filter((c) => c.input.ConditionExpression === '#code = :code');
    expect(releases.map((r) => r.input.Key?.resource_id?.S).sort()).toEqual(['a', 'b', 'c']);
    // The signal keeps the loss as its reason; the instance may acquire again.
    expect(locks.signal.reason).toMatchObject({ resourceId: 'b' });
    fake.updates = () => ({});
    expect(await locks.acquire()).toBe(true);
    expect(locks.signal.aborted).toBe(false);
    await locks.release();
    expect(locks.signal.reason).toBeInstanceOf(LockReleasedError);
    expect((locks.signal.reason as Error).message).toBe('The locks on `a`, `b`, `c` were released');
  });

  test('state: acquire twice, release or extend when not held, await using', async () => {
    const { locks } = setup();
    expect(locks.signal.aborted).toBe(true);
    expect(locks.fencingTokens.size).toBe(0);
    expect(locks.expiresAt).toBeUndefined();
    await expect(locks.release()).rejects.toBeInstanceOf(LockNotAcquiredError);
    await expect(locks.extend()).rejects.toBeInstanceOf(LockNotAcquiredError);
    expect(() => locks.conditionChecks()).toThrow(LockNotAcquiredError);
    await locks.acquire();
    await expect(locks.acquire()).rejects.toBeInstanceOf(AlreadyAcquiredError);
    expect(locks.conditionChecks()).toHaveLength(3);
    await locks[Symbol.asyncDispose]();
    expect(locks.locked()).toBe(false);
    await locks[Symbol.asyncDispose](); // not held: nothing
  });

  test('withLock over an array: the work’s error wins over a failed release; a multi-lock that cannot be had names its ids', async () => {
    const { fake, options } = setup();
    fake.updates = () => refused('x');
    const failing = withLock(['a', 'b'], () => Promise.reject(new Error('work failed')), options);
    await expect(failing).rejects.toThrow('work failed');
    const cancellation = Object.assign(new Error('cancelled'), {
      name: 'TransactionCanceledException',
      $metadata: { httpStatusCode: 400 },
      CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
    });
    fake.script('TransactWriteItems', cancellation);
    // The refusal is the cause, as a single lock's is: an operator looks there first.
    await expect(withLock(['a', 'b'], () => 1, { ...options, blocking: false })).rejects.toMatchObject({
      name: 'LockUnavailableError',
      resourceId: 'a',
      message: 'The locks on `a`, `b` are held elsewhere',
      cause: cancellation,
    });
  });
});

describe('DynamoDbMultiLock events', () => {
  test('hooks and diagnostics channels get each resource’s events, the channels as a lock’s of that resource', async () => {
    const clock = new FakeClock(WALL);
    const fake = new FakeTransactClient(clock.monotonic);
    const hooked: string[] = [];
    const hooks = Object.fromEntries(
      ['acquireStarted', 'acquired', 'acquireEnded', 'released'].map((name) => [
        name,
        (e: { resourceId: string; outcome?: string }) =>
          hooked.push(`${name} ${e.resourceId}${e.outcome ? ` ${e.outcome}` : ''}`),
      ]),
    );
    const published: { lock: unknown; id: string }[] = [];
    const onAcquired = (m: unknown) => {
      const message = m as { lock: unknown; event: { resourceId: string } };
      published.push({ lock: message.lock, id: message.event.resourceId });
    };
    subscribe('dynamo-dlm:lock:acquired', onAcquired);
    try {
      const locks = new DynamoDbMultiLock(
        ['a', 'b'],
        withClock({ client: fake.asClient, logger: false as const, hooks }, clock),
      );
      await locks.acquire();
      await locks.release();
      expect(hooked).toEqual([
        'acquireStarted a',
        'acquireStarted b',
        'acquired a',
        'acquired b',
        'acquireEnded a acquired',
        'acquireEnded b acquired',
        'released a',
        'released b',
      ]);
      // One lock per resource, each of that resource, never the multi-lock: per-lock consumers keep them apart.
      expect(published.map((p) => p.id)).toEqual(['a', 'b']);
      expect(published.every((p) => p.lock instanceof DynamoDbLock)).toBe(true);
      expect(published.map((p) => (p.lock as DynamoDbLock).resourceId)).toEqual(['a', 'b']);
      expect((published[0] as { lock: unknown }).lock).not.toBe((published[1] as { lock: unknown }).lock);
    } finally {
      unsubscribe('dynamo-dlm:lock:acquired', onAcquired);
    }
  });
});
