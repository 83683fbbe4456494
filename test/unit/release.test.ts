/** releaseLease and the lease's release: what a refused release means, depending on what came before it. */
import { describe, expect, test } from 'vitest';
import { LockLostError } from '../../src/errors.js';
import { conditionFailed, reset } from '../support/fake-client.js';
import { setup } from '../support/lock-harness.js';

/** The item a refused release returns once another owner has acquired: a new code, the next token. */
const takenBy = (owner: string, token: string) =>
  conditionFailed({
    release_code: { S: 'next-holder' },
    expires_ms: { N: '9999999999999' },
    fencing_token: { N: token },
    owner: { S: owner },
  });

describe('a release whose answer was lost', () => {
  test('a waiter took the lock before the retry: release() resolves, nothing is reported lost', async () => {
    const { clock, fake, lock, log, events } = setup();
    await lock.acquire();
    const token = lock.fencingToken as number;
    // The first attempt is applied and its answer lost; a waiter takes the freed lock; the
    // retry then finds another owner's code.
    fake.script('release', reset(), takenBy('waiter', String(token + 1)));
    const released = lock.release().then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await clock.advance(100);
    expect(await released).toBe('resolved');
    expect(fake.of('release')).toHaveLength(2);
    expect(events.filter((e) => e.name === 'lost')).toEqual([]);
    expect(events.filter((e) => e.name === 'released')).toHaveLength(1);
    expect(log.warnings().filter((w) => /taken by another owner/.test(w))).toEqual([]);
    expect(lock.signal.reason).not.toBeInstanceOf(LockLostError);
  });

  test('the same refusal without an earlier attempt that may have applied is still a loss', async () => {
    const { fake, lock } = setup();
    await lock.acquire();
    fake.script('release', takenBy('thief', String((lock.fencingToken as number) + 1)));
    await expect(lock.release()).rejects.toMatchObject({ reason: 'taken', owner: 'thief' });
  });

  test('a release first sent after the lease had ended (by the wall clock) is still told it was taken', async () => {
    const { clock, fake, lock } = setup();
    await lock.acquire();
    // The wall clock jumps past the lease end; by the monotonic clock the release may still retry.
    clock.stepWall(3_500);
    fake.script('release', reset(), takenBy('thief', String((lock.fencingToken as number) + 1)));
    const released = lock.release().catch((error: unknown) => error);
    await clock.advance(100);
    expect(await released).toBeInstanceOf(LockLostError);
    expect(fake.of('release')).toHaveLength(2);
  });
});
