/** The lease engine: timing, renewal, extend and release, with the injected clock. */
import { describe, expect, test } from 'vitest';
import {
  AlreadyAcquiredError,
  InvalidArgumentError,
  LockLostError,
  LockNotAcquiredError,
  LockReleasedError,
} from '../../src/errors.js';
import { tokenBase } from '../../src/item/requests.js';
import { WATCH_MS } from '../../src/lease/lease-end.js';
import { MAX_TIMER_SECONDS } from '../../src/options/validate.js';
import { conditionFailed, reset, throttled } from '../support/fake-client.js';
import { reasonOf, setup, WALL } from '../support/lock-harness.js';

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
      {
        name: 'lost',
        event: {
          resourceId: 'res',
          reason: 'expired',
          fencingToken: tokenBase(WALL) + 1,
          owner: undefined,
          heldMs: 2_400,
        },
      },
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

describe('renewal failures', () => {
  test('transient failures are retried with backoff, each retry within half the time left, until the lease ends: unreachable', async () => {
    const { clock, fake, lock, t0, log } = setup();
    fake.otherwise('extend', reset);
    await lock.acquire({ autoRenew: true });
    await clock.advance(2_400);
    const times = fake.of('extend').map((c) => c.at - t0);
    expect(times.length).toBeGreaterThanOrEqual(5);
    expect(times[0]).toBe(1_000);
    // Each retry within half of what was left before the abort point (2.4 s): no retry unspent
    // because a whole backoff would overshoot the end; the last ones come as the end nears.
    for (let i = 1; i < times.length; i++) {
      expect(times[i]! - times[i - 1]!).toBeLessThanOrEqual((2_400 - times[i - 1]!) / 2 + 1);
    }
    expect(Math.max(...times)).toBeGreaterThan(2_300);
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

  test('a renewal left unanswered halfway to the lease end is sent again, and its answer keeps the lease', async () => {
    const { clock, fake, lock, t0 } = setup();
    fake.script('extend', 'hang');
    await lock.acquire({ autoRenew: true });
    await clock.advance(2_100);
    // Sent at 1 s with 1.4 s left before the abort point: cut off at 1.7 s and sent again after
    // a backoff within half of what is left.
    const at = fake.of('extend').map((c) => c.at - t0);
    expect(at[0]).toBe(1_000);
    expect(fake.of('extend')[0]?.signal?.aborted).toBe(true);
    expect(at[1]).toBeGreaterThanOrEqual(1_700);
    expect(at[1]).toBeLessThanOrEqual(1_700 + 350);
    await clock.advance(1_000);
    expect(lock.signal.aborted).toBe(false);
    expect(lock.locked()).toBe(true);
    await lock.release();
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

describe('hardening: timers, clocks and user code', () => {
  test('release cuts short an automatic renewal that is pausing before its retry', async () => {
    const { clock, fake, lock } = setup();
    fake.script('extend', reset());
    await lock.acquire({ autoRenew: true });
    await clock.advance(1_000);
    expect(fake.of('extend')).toHaveLength(1);
    // The renewal now pauses (unref'd) before retrying: the release must not wait that out.
    const release = lock.release();
    await clock.flush();
    expect(fake.of('release')).toHaveLength(1);
    await release;
    expect(fake.of('extend')).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
  });

  test('a release queued behind an in-flight renewal that then fails is not kept waiting by its retry pause', async () => {
    // Release arrives while the renewal is still in flight (no pause to cut short yet); the
    // renewal then fails transiently. It must not start an unref'd pause that the queued release
    // waits behind: nothing would keep the process alive (the CLI exited 13 with the lock held).
    const { clock, fake, lock } = setup();
    fake.script('extend', 'hang');
    await lock.acquire({ autoRenew: true });
    await clock.advance(1_000);
    const renewal = fake.of('extend')[0]!;
    const release = lock.release();
    await clock.flush();
    renewal.reject(reset());
    await clock.flush();
    expect(fake.of('release')).toHaveLength(1);
    await release;
    expect(fake.of('extend')).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
  });

  test("a manual extend's retry pause is an awaited sleep, not a timer that lets the process exit", async () => {
    const { clock, fake, lock } = setup();
    fake.script('extend', reset(), {});
    await lock.acquire();
    const sleeps: number[] = [];
    const sleep = clock.sleep;
    clock.sleep = (ms, signal) => {
      sleeps.push(ms);
      return sleep(ms, signal);
    };
    const extended = lock.extend();
    await clock.advance(100);
    await extended;
    expect(fake.of('extend')).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
    await lock.release();
  });

  test('a logger that throws cannot keep the signal from aborting after a refused renewal', async () => {
    const angry = {
      debug: () => undefined,
      info: () => undefined,
      warn: () => {
        throw new Error('log buffer full');
      },
      error: () => Promise.reject(new Error('transport down')),
    };
    const { clock, fake, lock } = setup({ logger: angry });
    fake.script('extend', conditionFailed());
    fake.script('release', conditionFailed());
    await lock.acquire({ autoRenew: true });
    await clock.advance(1_000);
    expect(lock.signal.aborted).toBe(true);
    expect(reasonOf(lock.signal)).toBe('taken');
    await expect(lock.release()).rejects.toBeInstanceOf(LockLostError);
  });

  test('an async hook that rejects is ignored (no unhandled rejection), and a lost hook that throws changes nothing', async () => {
    const { clock, fake, lock } = setup({
      hooks: {
        acquired: async () => {
          throw new Error('metrics down');
        },
        lost: () => {
          throw new Error('pager down');
        },
      },
    });
    fake.script('extend', conditionFailed());
    await lock.acquire({ autoRenew: true });
    await clock.advance(1_000);
    expect(reasonOf(lock.signal)).toBe('taken');
  });

  test('suspend and resume: the monotonic clock stood still, the wall clock jumped past the lease; locked() says false and the signal aborts', async () => {
    const { clock, fake, lock } = setup();
    await lock.acquire({ autoRenew: true });
    await clock.advance(500);
    // The machine slept for a minute: timers did not run and the monotonic clock did not move.
    clock.stepWall(60_000);
    expect(lock.locked()).toBe(false);
    // The next tick of the expiry watch (within a second) sees it and aborts, without a write.
    await clock.advance(500);
    expect(lock.signal.aborted).toBe(true);
    expect(reasonOf(lock.signal)).toBe('expired');
    expect(fake.of('extend')).toHaveLength(0);
  });

  test('a wall clock stepped backwards does not stretch the lease: the monotonic clock still ends it', async () => {
    const { clock, lock } = setup();
    await lock.acquire();
    clock.stepWall(-60_000);
    await clock.advance(2_399);
    expect(lock.locked()).toBe(true);
    await clock.advance(1);
    expect(lock.locked()).toBe(false);
    expect(reasonOf(lock.signal)).toBe('expired');
  });

  test('a renewal checks the wall clock too: after a jump past the lease end it is not sent', async () => {
    const { clock, fake, lock } = setup({ renewInterval: 0.5 });
    await lock.acquire({ autoRenew: true });
    clock.stepWall(10_000);
    await clock.advance(500);
    expect(fake.of('extend')).toHaveLength(0);
    expect(lock.signal.aborted).toBe(true);
  });

  test('release aborts the signal with a released reason, distinct from a loss', async () => {
    const { lock } = setup();
    await lock.acquire();
    const signal = lock.signal;
    expect(signal.aborted).toBe(false);
    await lock.release();
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(LockReleasedError);
    expect(signal.reason).not.toBeInstanceOf(LockLostError);
    expect((signal.reason as LockReleasedError).code).toBe('LOCK_RELEASED');
  });

  test('the longest lease accepted (2^31-1 ms; 30 days is refused) is watched in pieces: no timer beyond what setTimeout holds', async () => {
    expect(() => setup({ duration: 30 * 86_400 })).toThrow(InvalidArgumentError);
    const { clock, lock } = setup({ duration: MAX_TIMER_SECONDS });
    const delays: number[] = [];
    const setTimer = clock.setTimer;
    clock.setTimer = (ms, fn) => {
      delays.push(ms);
      return setTimer(ms, fn);
    };
    await lock.acquire();
    await clock.advance(60_000);
    expect(lock.locked()).toBe(true);
    expect(lock.signal.aborted).toBe(false);
    // One timer for the whole lease would be 2^31-1 ms less the margin; the watch re-arms every WATCH_MS.
    expect(Math.max(...delays)).toBeLessThan(60_000);
    expect(delays.filter((ms) => ms === WATCH_MS).length).toBeGreaterThan(50);
    await lock.release();
  });
});

describe('owner and data', () => {
  test('every acquire writes the owner (host:pid by default) and the data; setData rewrites it with an extend', async () => {
    const { fake, lock } = setup({ data: 'v1' });
    expect(lock.owner).toMatch(/:\d+$/);
    expect(lock.owner.endsWith(`:${process.pid}`)).toBe(true);
    await lock.acquire();
    const first = fake.of('acquire')[0]!.input.ExpressionAttributeValues!;
    expect(first[':owner']).toEqual({ S: lock.owner });
    expect(first[':data']).toEqual({ S: 'v1' });
    await lock.setData('v2');
    const extend = fake.of('extend')[0]!.input;
    expect(extend.ExpressionAttributeValues![':data']).toEqual({ S: 'v2' });
    expect(extend.ExpressionAttributeValues![':code']).toEqual(first[':code']);
    expect(lock.data).toBe('v2');
    await lock.release();
    // The next acquisition by this instance writes what it set last.
    await lock.acquire();
    expect(fake.of('acquire')[1]!.input.ExpressionAttributeValues![':data']).toEqual({ S: 'v2' });
    await lock.release();
  });

  test('bad data is refused before any request; setData on an unheld lock is typed; a refused setData leaves data as it was', async () => {
    const { fake, lock } = setup({ owner: 'w' });
    expect(() => setup({ owner: '' })).toThrow(InvalidArgumentError);
    expect(() => setup({ owner: 'w', data: 'x'.repeat(637) })).toThrow(/at most 636 UTF-8 bytes/);
    await expect(lock.setData('x')).rejects.toBeInstanceOf(LockNotAcquiredError);
    await lock.acquire();
    await expect(lock.setData(42 as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(lock.setData('x'.repeat(637))).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(fake.of('extend')).toHaveLength(0);
    fake.script('extend', conditionFailed());
    await expect(lock.setData('new')).rejects.toBeInstanceOf(LockLostError);
    expect(lock.data).toBeUndefined();
    expect(fake.of('acquire')[0]!.input.UpdateExpression).toMatch(/REMOVE #data$/);
  });

  test('a refused renewal names the owner that took the lease, when the server returned the item', async () => {
    const { clock, fake, lock, log, events } = setup();
    fake.script(
      'extend',
      conditionFailed({ release_code: { S: 'other' }, expires_ms: { N: '1' }, owner: { S: 'worker-7' } }),
    );
    await lock.acquire({ autoRenew: true });
    await clock.advance(1_000);
    const lost = lock.signal.reason as LockLostError;
    expect(lost).toMatchObject({ reason: 'taken', owner: 'worker-7' });
    expect(events.find((e) => e.name === 'lost')?.event).toMatchObject({ reason: 'taken', owner: 'worker-7' });
    expect(lost.message).toMatch(/another owner holds it now \(`worker-7`\)/);
    expect(log.warnings().some((w) => /worker-7/.test(w))).toBe(true);
    await expect(lock.extend()).rejects.toMatchObject({ owner: 'worker-7' });
  });

  test('a refused release names the new owner too; without the item (dynalite) the owner is undefined', async () => {
    const { fake, lock } = setup();
    fake.script(
      'release',
      conditionFailed({ release_code: { S: 'other' }, expires_ms: { N: '1' }, owner: { S: 'w-9' } }),
    );
    await lock.acquire();
    await expect(lock.release()).rejects.toMatchObject({ reason: 'taken', owner: 'w-9' });
    fake.script('release', conditionFailed());
    await lock.acquire();
    const error = await lock.release().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockLostError);
    expect((error as LockLostError).owner).toBeUndefined();
  });
});
