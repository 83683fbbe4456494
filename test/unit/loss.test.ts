/** What a refused renewal or release says became of the lease: taken, or released by force. */
import { describe, expect, test } from 'vitest';
import { LockLostError } from '../../src/errors.js';
import { refusal } from '../../src/lease/loss.js';
import { conditionFailed } from '../support/fake-client.js';
import { setup } from '../support/lock-harness.js';

/** What `dynamo-dlm release --force` leaves: a released marker, the same token, a fresh code. */
const forcedMarker = (token: number) => ({
  release_code: { S: 'fresh-code-of-the-operator' },
  expires_ms: { N: '0' },
  expires: { N: '0' },
  fencing_token: { N: String(token) },
  owner: { S: 'the-evicted-holder' },
});

describe('refusal', () => {
  test('a released marker with our token under another code was released by force', () => {
    expect(refusal(forcedMarker(7), 'mine', 7)).toEqual({ reason: 'forced', owner: undefined });
  });

  test('a newer token, a live lease, or no item at all is another owner', () => {
    expect(refusal(forcedMarker(8), 'mine', 7)).toEqual({ reason: 'taken', owner: 'the-evicted-holder' });
    expect(refusal({ ...forcedMarker(7), expires_ms: { N: '5' } }, 'mine', 7).reason).toBe('taken');
    expect(refusal(undefined, 'mine', 7)).toEqual({ reason: 'taken', owner: undefined });
  });
});

describe('a holder evicted by a forced release', () => {
  test('its next renewal is refused: lost, reason forced, and the message says so', async () => {
    const { clock, fake, lock, log, events } = setup();
    await lock.acquire({ autoRenew: true });
    fake.script('extend', conditionFailed(forcedMarker(lock.fencingToken as number)));
    await clock.advance(1_000);
    const lost = lock.signal.reason as LockLostError;
    expect(lost).toBeInstanceOf(LockLostError);
    expect(lost.reason).toBe('forced');
    expect(lost.message).toMatch(/released by force/);
    expect(lost.message).not.toMatch(/another owner/);
    expect(events.find((e) => e.name === 'lost')?.event).toMatchObject({ reason: 'forced' });
    expect(log.warnings().some((w) => /released by force/.test(w))).toBe(true);
  });

  test('its release is refused: LockLostError forced, and the warning says released by force', async () => {
    const { fake, lock, log } = setup();
    await lock.acquire();
    fake.script('release', conditionFailed(forcedMarker(lock.fencingToken as number)));
    await expect(lock.release()).rejects.toMatchObject({ reason: 'forced' });
    expect(log.warnings()).toContain("Lock on 'res' was released by force before release");
    expect(log.warnings().some((w) => /taken by another owner/.test(w))).toBe(false);
  });
});
