import { describe, expect, test } from 'vitest';
import {
  AbortedError,
  AlreadyAcquiredError,
  DynamoDbError,
  LockLostError,
  LockNotAcquiredError,
  ThrottledError,
} from '../../src/errors.js';
import type { LockHooks } from '../../src/events.js';
import { withClock } from '../../src/internals.js';
import { DynamoDbLock } from '../../src/lock.js';
import type { LockOptions } from '../../src/options.js';
import { tokenBase } from '../../src/requests.js';
import { recordingLogger } from '../integration/helpers.js';
import { FakeClock } from '../support/fake-clock.js';
import { type Call, conditionFailed, FakeClient, reset, throttled } from './fake-client.js';

const WALL = 1_700_000_000_000;

/** A 3 s lock: safety margin 0.6 s (a fifth), renewal every 1 s (a third). */
function setup(options: LockOptions = {}) {
  const clock = new FakeClock(WALL);
  const fake = new FakeClient(clock.monotonic);
  const log = recordingLogger();
  const events: { name: string; event: unknown }[] = [];
  const hooks: LockHooks = Object.fromEntries(
    ['acquired', 'contended', 'throttled', 'extended', 'lost', 'released'].map((name) => [
      name,
      (event: unknown) => events.push({ name, event }),
    ]),
  );
  const lock = new DynamoDbLock(
    'res',
    withClock({ client: fake.asClient, duration: 3, logger: log, hooks, ...options }, clock),
  );
  return { clock, fake, log, lock, events, t0: clock.monotonic() };
}

const reasonOf = (signal: AbortSignal) => (signal.reason as LockLostError).reason;

describe('lease timing', () => {
  test('auto-renewal sends an extend every renewInterval, each pushing expires_ms out by duration', async () => {
    const { clock, fake, lock, t0 } = setup();
    expect(await lock.acquire({ autoRenew: true })).toBe(true);
    await clock.advance(999);
    expect(fake.of('extend')).toHaveLength(0);
    await clock.advance(1);
    await clock.advance(2_000);
    expect(fake.of('extend').map((c) => c.at - t0)).toEqual([1_000, 2_000, 3_000]);
    expect(fake.of('extend').map((c) => c.input.ExpressionAttributeValues?.[':expms']?.N)).toEqual(
      [1_000, 2_000, 3_000].map((t) => String(WALL + t + 3_000)),
    );
    // Held well past the first lease's end.
    await clock.advance(5_000);
    expect(lock.locked()).toBe(true);
    expect(lock.signal.aborted).toBe(false);
    await lock.release();
    expect(clock.pendingTimers).toBe(0);
    const sent = fake.calls.length;
    await clock.advance(10_000);
    expect(fake.calls.length).toBe(sent);
  });

  test('without renewal the signal aborts exactly safetyMargin before the lease ends, reason expired', async () => {
    const { clock, lock, events } = setup();
    await lock.acquire();
    await clock.advance(2_399);
    expect(lock.locked()).toBe(true);
    expect(lock.signal.aborted).toBe(false);
    await clock.advance(1);
    expect(lock.signal.aborted).toBe(true);
    expect(lock.signal.reason).toBeInstanceOf(LockLostError);
    expect(reasonOf(lock.signal)).toBe('expired');
    expect(lock.locked()).toBe(false);
    expect(events.filter((e) => e.name === 'lost')).toEqual([
      { name: 'lost', event: { resourceId: 'res', reason: 'expired', fencingToken: tokenBase(WALL) + 1 } },
    ]);
  });

  test('the margin follows an explicit safetyMargin', async () => {
    const { clock, lock } = setup({ safetyMargin: 1.5 });
    await lock.acquire();
    await clock.advance(1_499);
    expect(lock.signal.aborted).toBe(false);
    await clock.advance(1);
    expect(lock.signal.aborted).toBe(true);
  });

  test('extend() moves the abort point: duration from when the extend was sent, less the margin', async () => {
    const { clock, fake, lock, t0 } = setup();
    await lock.acquire();
    await clock.advance(1_000);
    await lock.extend();
    expect(fake.of('extend')[0]?.at).toBe(t0 + 1_000);
    expect(lock.expiresAt?.getTime()).toBe(WALL + 4_000);
    await clock.advance(3_399 - 1_000);
    expect(lock.signal.aborted).toBe(false);
    await clock.advance(1);
    expect(lock.signal.aborted).toBe(true);
  });

  test('extend(seconds) writes that length', async () => {
    const { clock, fake, lock } = setup();
    await lock.acquire();
    await lock.extend(10);
    expect(fake.of('extend')[0]?.input.ExpressionAttributeValues?.[':expms']).toEqual({ N: String(WALL + 10_000) });
    await clock.advance(9_000);
    expect(lock.locked()).toBe(true);
  });
});

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

describe('renewal failures', () => {
  test('transient failures are retried with growing backoff, only while the lease has time left, then unreachable', async () => {
    const { clock, fake, lock, t0, log } = setup();
    fake.otherwise('extend', reset);
    await lock.acquire({ autoRenew: true });
    await clock.advance(2_400);
    const times = fake.of('extend').map((c) => c.at - t0);
    expect(times.length).toBeGreaterThanOrEqual(4);
    expect(times[0]).toBe(1_000);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThan(gaps[i - 1]!);
    // Every attempt was made while the lease, less its margin, still held.
    expect(Math.max(...times)).toBeLessThan(2_400);
    expect(lock.signal.aborted).toBe(true);
    expect(reasonOf(lock.signal)).toBe('unreachable');
    expect((lock.signal.reason as Error).cause).toMatchObject({ code: 'ECONNRESET' });
    expect(log.warnings().some((w) => /transient/.test(w))).toBe(true);
    // Stopped for good.
    const sent = fake.calls.length;
    await clock.advance(10_000);
    expect(fake.calls.length).toBe(sent);
  });

  test('a renewal that hangs is cut off at the abort point and reported unreachable, not expired', async () => {
    const { clock, fake, lock, t0 } = setup();
    fake.otherwise('extend', () => 'hang');
    await lock.acquire({ autoRenew: true });
    await clock.advance(2_399);
    expect(lock.signal.aborted).toBe(false);
    await clock.advance(1);
    expect(lock.signal.aborted).toBe(true);
    expect(reasonOf(lock.signal)).toBe('unreachable');
    expect(fake.of('extend')[0]?.at).toBe(t0 + 1_000);
    expect(fake.of('extend')[0]?.signal?.aborted).toBe(true);
  });

  test('a paused process: the overdue renewal is not sent; the lease is lost as expired, quietly', async () => {
    const { clock, fake, lock, log } = setup();
    await lock.acquire({ autoRenew: true });
    await clock.pause(5_000);
    expect(fake.of('extend')).toHaveLength(0);
    expect(lock.signal.aborted).toBe(true);
    expect(reasonOf(lock.signal)).toBe('expired');
    expect(log.warnings().filter((w) => /transient|throttled/.test(w))).toEqual([]);
    await expect(lock.extend()).rejects.toMatchObject({ reason: 'expired' });
    expect(fake.of('extend')).toHaveLength(0);
  });

  test('ambiguous renewal: applied but the response lost, then a retry succeeds => NOT lost', async () => {
    const { clock, fake, lock, t0, events } = setup();
    fake.script('extend', reset(), {});
    await lock.acquire({ autoRenew: true });
    await clock.advance(1_100);
    const [first, second] = fake.of('extend');
    expect(second).toBeDefined();
    expect(second!.at - t0).toBeLessThan(1_100);
    // The retry is the same owner-conditional write: it succeeds whether or not the first applied.
    expect(second!.input.ExpressionAttributeValues?.[':code']).toEqual(
      first!.input.ExpressionAttributeValues?.[':code'],
    );
    await clock.advance(5_000);
    expect(lock.signal.aborted).toBe(false);
    expect(lock.locked()).toBe(true);
    expect(events.some((e) => e.name === 'lost')).toBe(false);
    await lock.release();
  });

  test('throttled renewal is backed off with a WARNING and a throttled event, then succeeds', async () => {
    const { clock, fake, lock, log, events } = setup();
    fake.script('extend', throttled(), throttled(), {});
    await lock.acquire({ autoRenew: true });
    await clock.advance(1_500);
    expect(fake.of('extend').length).toBeGreaterThanOrEqual(3);
    expect(lock.signal.aborted).toBe(false);
    expect(log.warnings().filter((w) => /throttled extend/.test(w))).toHaveLength(2);
    expect(events.filter((e) => e.name === 'throttled').map((e) => e.event)).toMatchObject([
      { operation: 'extend', attempt: 1 },
      { operation: 'extend', attempt: 2 },
    ]);
    await lock.release();
  });

  test('a definite loss (condition failed) aborts at once with reason taken and stops renewing', async () => {
    const { clock, fake, lock, t0, log } = setup();
    fake.script('extend', conditionFailed());
    fake.script('release', conditionFailed());
    await lock.acquire({ autoRenew: true });
    await clock.advance(1_000);
    expect(lock.signal.aborted).toBe(true);
    expect(reasonOf(lock.signal)).toBe('taken');
    expect(fake.of('extend').map((c) => c.at - t0)).toEqual([1_000]);
    await clock.advance(5_000);
    expect(fake.of('extend')).toHaveLength(1);
    await expect(lock.extend()).rejects.toMatchObject({ code: 'LOCK_LOST', reason: 'taken' });
    await expect(lock.release()).rejects.toBeInstanceOf(LockLostError);
    expect(log.warnings().some((w) => /taken by another owner/.test(w))).toBe(true);
    // The instance holds nothing and can acquire again.
    expect(await lock.acquire()).toBe(true);
  });
});

describe('release', () => {
  test('a release during an in-flight renewal waits for it, and no renewal follows', async () => {
    const { clock, fake, lock } = setup();
    fake.script('extend', 'hang');
    await lock.acquire({ autoRenew: true });
    await clock.advance(1_000);
    const renewal = fake.of('extend')[0]!;
    let released = false;
    const release = lock.release().then(() => {
      released = true;
    });
    await clock.advance(100);
    expect(fake.of('release')).toHaveLength(0);
    expect(released).toBe(false);
    renewal.resolve();
    await clock.flush();
    await release;
    expect(fake.calls.map((c) => c.kind)).toEqual(['acquire', 'extend', 'release']);
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(10_000);
    expect(fake.calls).toHaveLength(3);
  });

  test('an in-flight renewal that finds the lease taken makes the waiting release reject with LockLostError', async () => {
    const { clock, fake, lock } = setup();
    fake.script('extend', 'hang');
    fake.script('release', conditionFailed());
    await lock.acquire({ autoRenew: true });
    await clock.advance(1_000);
    const release = lock.release();
    await clock.flush();
    fake.of('extend')[0]!.reject(conditionFailed());
    await expect(release).rejects.toMatchObject({ reason: 'taken' });
    expect(lock.locked()).toBe(false);
  });

  test('a release left unanswered is cut off after 5 s and retried, so a finally never hangs', async () => {
    const { clock, fake, lock } = setup({ duration: 30 });
    fake.script('release', 'hang');
    await lock.acquire();
    const t0 = clock.monotonic();
    let released = false;
    const release = lock.release().then(() => {
      released = true;
    });
    await clock.advance(4_999);
    expect(fake.of('release')).toHaveLength(1);
    expect(fake.of('release')[0]?.signal?.aborted).toBe(false);
    await clock.advance(1);
    expect(fake.of('release')[0]?.signal?.aborted).toBe(true);
    await clock.advance(100); // the retry's backoff (at most 50 ms)
    await release;
    expect(released).toBe(true);
    expect(fake.of('release')).toHaveLength(2);
    expect(fake.of('release')[1]?.at).toBeGreaterThanOrEqual(t0 + 5_000);
    expect(clock.pendingTimers).toBe(0);
  });

  test('a signal that fired inside the safety margin lost nothing if the release is still in time', async () => {
    const { clock, lock } = setup();
    await lock.acquire();
    // 3 s lease, 0.6 s margin: the signal fires at 2.4 s; the lease itself lasts until 3 s.
    await clock.advance(2_500);
    expect(lock.signal.aborted).toBe(true);
    await expect(lock.release()).resolves.toBeUndefined();
  });

  test('releasing after the lease ran out (nobody took it) still tells the caller: LockLostError expired', async () => {
    const { clock, lock, fake } = setup();
    await lock.acquire();
    await clock.advance(3_500);
    await expect(lock.release()).rejects.toMatchObject({ code: 'LOCK_LOST', reason: 'expired' });
    expect(fake.of('release')).toHaveLength(1);
    expect(await lock.acquire()).toBe(true);
  });

  test('release writes the marker with this acquisition’s code; double release and unheld release are typed', async () => {
    const { lock, fake } = setup();
    await expect(lock.release()).rejects.toBeInstanceOf(LockNotAcquiredError);
    await expect(lock.extend()).rejects.toBeInstanceOf(LockNotAcquiredError);
    await lock.acquire();
    await expect(lock.acquire()).rejects.toBeInstanceOf(AlreadyAcquiredError);
    await lock.release();
    await expect(lock.release()).rejects.toBeInstanceOf(LockNotAcquiredError);
    expect(fake.of('release')[0]?.input.ExpressionAttributeValues?.[':code']).toEqual(
      fake.of('acquire')[0]?.input.ExpressionAttributeValues?.[':code'],
    );
    // Every acquisition has a fresh owner code.
    await lock.acquire();
    expect(fake.of('acquire')[1]?.input.ExpressionAttributeValues?.[':code']).not.toEqual(
      fake.of('acquire')[0]?.input.ExpressionAttributeValues?.[':code'],
    );
  });
});

describe('acquire', () => {
  test('timeout: backs off (no hot loop) and resolves false exactly at the deadline; the instance stays usable', async () => {
    const { clock, fake, lock, t0 } = setup();
    fake.otherwise('acquire', () => conditionFailed());
    let result: boolean | undefined;
    const pending = lock.acquire({ timeout: 1 }).then((r) => {
      result = r;
    });
    await clock.advance(999);
    expect(result).toBeUndefined();
    await clock.advance(1);
    await pending;
    expect(result).toBe(false);
    const attempts = fake.of('acquire');
    expect(attempts.length).toBeGreaterThanOrEqual(5);
    expect(attempts.length).toBeLessThanOrEqual(25);
    expect(Math.max(...attempts.map((c) => c.at - t0))).toBeLessThanOrEqual(1_000);
    expect(lock.locked()).toBe(false);
    expect(fake.of('release')).toHaveLength(0);
    fake.otherwise('acquire', () => ({}));
    expect(await lock.acquire()).toBe(true);
  });

  test('timeout bounds a hung write too: false at the deadline, and the write (maybe applied) is cleared', async () => {
    const { clock, fake, lock, t0 } = setup();
    fake.script('acquire', 'hang');
    let result: boolean | undefined;
    const pending = lock.acquire({ timeout: 1 }).then((r) => {
      result = r;
    });
    await clock.advance(999);
    expect(result).toBeUndefined();
    await clock.advance(1);
    await pending;
    expect(result).toBe(false);
    expect(fake.of('acquire')).toHaveLength(1);
    expect(fake.of('acquire')[0]?.signal?.aborted).toBe(true);
    expect(fake.of('release')).toHaveLength(1);
    expect(fake.of('release')[0]?.at).toBe(t0 + 1_000);
    expect(fake.of('release')[0]?.input.ExpressionAttributeValues?.[':code']).toEqual(
      fake.of('acquire')[0]?.input.ExpressionAttributeValues?.[':code'],
    );
    expect(clock.pendingTimers).toBe(0);
    expect(await lock.acquire()).toBe(true);
  });

  test('an answer that arrives inside the safety margin is given back and retried under a fresh owner code', async () => {
    const { clock, fake, lock } = setup();
    fake.script('acquire', 'hang');
    let result: boolean | undefined;
    const pending = lock.acquire().then((r) => {
      result = r;
    });
    // 3 s lease, 0.6 s margin: answered 2.5 s after sending, the lease is no longer usable.
    await clock.advance(2_500);
    fake.of('acquire')[0]?.resolve({});
    await clock.advance(0);
    const codeOf = (c: Call | undefined) => c?.input.ExpressionAttributeValues?.[':code']?.S;
    expect(fake.of('release')).toHaveLength(1);
    expect(codeOf(fake.of('release')[0])).toBe(codeOf(fake.of('acquire')[0]));
    await clock.advance(2_000);
    await pending;
    expect(result).toBe(true);
    expect(fake.of('acquire')).toHaveLength(2);
    expect(codeOf(fake.of('acquire')[1])).not.toBe(codeOf(fake.of('acquire')[0]));
    expect(lock.locked()).toBe(true);
    await lock.release();
  });

  test('extend() never asks for an end earlier than the one held', async () => {
    const { clock, fake, lock } = setup();
    await lock.acquire();
    await clock.advance(500);
    // 2.5 s left; asking for 1 s would shorten it, so the current end is kept.
    await lock.extend(1);
    expect(fake.of('extend')[0]?.input.ExpressionAttributeValues?.[':expms']).toEqual({ N: String(WALL + 3_000) });
    await lock.extend(5);
    expect(fake.of('extend')[1]?.input.ExpressionAttributeValues?.[':expms']).toEqual({
      N: String(WALL + 500 + 5_000),
    });
    await lock.release();
  });

  test('a timeout that never fires leaves no timer behind', async () => {
    const { clock, lock } = setup();
    expect(await lock.acquire({ timeout: 60 })).toBe(true);
    await lock.release();
    expect(clock.pendingTimers).toBe(0);
  });

  test('non-blocking: one write, false when held elsewhere', async () => {
    const { fake, lock } = setup();
    fake.script('acquire', conditionFailed());
    expect(await lock.acquire({ blocking: false })).toBe(false);
    expect(fake.calls).toHaveLength(1);
    expect(await lock.acquire({ blocking: false })).toBe(true);
  });

  test('abort during the backoff wait rejects promptly with AbortedError and sends nothing more', async () => {
    const { clock, fake, lock } = setup();
    fake.otherwise('acquire', () => conditionFailed());
    const controller = new AbortController();
    const pending = lock.acquire({ signal: controller.signal });
    await clock.advance(50);
    const sent = fake.calls.length;
    controller.abort(new Error('shutting down'));
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
    await expect(pending).rejects.toThrow(/shutting down/);
    expect(fake.calls.length).toBe(sent);
    fake.otherwise('acquire', () => ({}));
    expect(await lock.acquire()).toBe(true);
  });

  test('abort during an in-flight write clears it with a release of the same code (it may have applied)', async () => {
    const { fake, lock, clock } = setup();
    fake.script('acquire', 'hang');
    const controller = new AbortController();
    const pending = lock.acquire({ signal: controller.signal });
    await clock.flush();
    expect(fake.of('acquire')[0]?.signal).toBeDefined();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
    expect(fake.of('release')).toHaveLength(1);
    expect(fake.of('release')[0]?.input.ExpressionAttributeValues?.[':code']).toEqual(
      fake.of('acquire')[0]?.input.ExpressionAttributeValues?.[':code'],
    );
    expect(lock.locked()).toBe(false);
    expect(await lock.acquire()).toBe(true);
  });

  test('an already-aborted signal rejects before any request', async () => {
    const { fake, lock } = setup();
    await expect(lock.acquire({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortedError);
    expect(fake.calls).toHaveLength(0);
  });

  test('a second acquire while the first is still waiting is refused', async () => {
    const { fake, lock, clock } = setup();
    fake.script('acquire', 'hang');
    const first = lock.acquire();
    await expect(lock.acquire()).rejects.toBeInstanceOf(AlreadyAcquiredError);
    await clock.flush();
    fake.of('acquire')[0]!.resolve();
    expect(await first).toBe(true);
  });

  test('throttling is backed off with a WARNING, then succeeds; a non-blocking try gives up with ThrottledError', async () => {
    const { clock, fake, lock, log } = setup();
    fake.script('acquire', throttled(), throttled());
    const pending = lock.acquire();
    await clock.advance(1_000);
    expect(await pending).toBe(true);
    expect(fake.of('acquire')).toHaveLength(3);
    expect(log.warnings().filter((w) => /throttled acquire/.test(w))).toHaveLength(2);
    await lock.release();

    fake.otherwise('acquire', throttled);
    // Handled at once: it rejects during advance(), before an `expect(...).rejects` could attach.
    const tried = lock.acquire({ blocking: false }).catch((error: unknown) => error);
    await clock.advance(5_000);
    expect(await tried).toBeInstanceOf(ThrottledError);
    fake.otherwise('acquire', () => ({}));
    expect(await lock.acquire()).toBe(true);
  });

  test('an unexpected error surfaces typed, wrapping the SDK error, and leaves the instance usable', async () => {
    const { fake, lock } = setup();
    const validation = Object.assign(new Error('bad key'), {
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
    fake.script('acquire', validation);
    const error = await lock.acquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamoDbError);
    expect((error as Error).cause).toBe(validation);
    expect(await lock.acquire()).toBe(true);
  });

  test('when the server returns the holder (ALL_OLD), the wait never passes its expiry plus the skew', async () => {
    const { clock, fake, lock, t0, events } = setup({ clockSkewAllowance: 0 });
    fake.script('acquire', conditionFailed({ expires_ms: { N: String(WALL + 2) }, release_code: { S: 'x' } }));
    const pending = lock.acquire();
    await clock.advance(10);
    expect(await pending).toBe(true);
    expect(fake.of('acquire').map((c) => c.at - t0)).toEqual([0, 2]);
    expect(events.find((e) => e.name === 'contended')?.event).toEqual({
      resourceId: 'res',
      attempt: 1,
      holderExpiresAt: new Date(WALL + 2),
      delayMs: 2,
    });
  });
});

describe('fencing token and takeover, from the old item (UPDATED_OLD)', () => {
  test.each([
    ['no item', undefined, tokenBase(WALL) + 1, false],
    ['a released marker', { fencing_token: { N: '41' }, release_code: { S: 'o' }, expires_ms: { N: '0' } }, 42, false],
    [
      'an expired lease',
      { fencing_token: { N: '41' }, release_code: { S: 'o' }, expires_ms: { N: String(WALL - 5_000) } },
      42,
      true,
    ],
    [
      'an expired Python 1.x item',
      { release_code: { S: 'py' }, expires: { N: String(WALL / 1000 - 5) } },
      tokenBase(WALL) + 1,
      true,
    ],
  ])('%s', async (_what, old, token, tookOver) => {
    const { fake, lock, events } = setup();
    fake.script('acquire', old === undefined ? {} : { Attributes: old });
    await lock.acquire();
    expect(lock.fencingToken).toBe(token);
    expect(lock.tookOver).toBe(tookOver);
    expect(events.find((e) => e.name === 'acquired')?.event).toMatchObject({
      fencingToken: token,
      tookOver,
      attempts: 1,
    });
  });
});
