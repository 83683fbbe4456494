/** LeaseEnd.nextEnd: every write of one holder asks for a later end than any write before it. */
import { describe, expect, test } from 'vitest';
import { LeaseEnd } from '../../src/lease/lease-end.js';
import { FakeClock } from '../support/fake-clock.js';
import { setup, WALL } from '../support/lock-harness.js';

describe('nextEnd', () => {
  test('now + duration, or one millisecond past the last end asked for, whichever is later', () => {
    const clock = new FakeClock(WALL);
    const end = new LeaseEnd({ clock, marginMs: 600, sentMono: clock.monotonic(), now: WALL, durationMs: 3_000 });
    expect(end.nextEnd(WALL + 1_000, 3_000)).toBe(WALL + 4_000);
    expect(end.nextEnd(WALL + 1_000, 60_000)).toBe(WALL + 61_000);
    // Shorter than what was asked last: still later than it.
    expect(end.nextEnd(WALL + 2_000, 3_000)).toBe(WALL + 61_001);
    expect(end.nextEnd(WALL + 2_000, 3_000)).toBe(WALL + 61_002);
  });
});

describe('successive writes of one holder', () => {
  test('after extend() longer than duration, each setData asks for a later end than the one before', async () => {
    const { fake, lock } = setup();
    await lock.acquire();
    await lock.extend(60);
    await lock.setData('a');
    await lock.setData('b');
    await lock.extend();
    const ends = fake.of('extend').map((c) => Number(c.input.ExpressionAttributeValues?.[':expms']?.N));
    expect(ends).toHaveLength(4);
    for (let i = 1; i < ends.length; i++) expect(ends[i]).toBeGreaterThan(ends[i - 1] as number);
    await lock.release();
  });
});
