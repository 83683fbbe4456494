/** Slot choice (pure) and the acquire loop on a 'slots' lock: one write per poll after one sweep. */
import { describe, expect, test } from 'vitest';
import { SlotSearch } from '../../src/acquire/slot-search.js';
import { type Call, conditionFailed, reset } from '../support/fake-client.js';
import { setup, WALL } from '../support/lock-harness.js';

/** Feeds a search refusals, each slot's holder ending at `ends[slot]`, and returns the slots it chose. */
function drive(search: SlotSearch, polls: number, ends: (slot: number, poll: number) => number | undefined): number[] {
  const chosen: number[] = [];
  for (let poll = 0; poll < polls; poll++) {
    const { slot } = search.plan();
    chosen.push(slot);
    search.refused(slot, ends(slot, poll));
  }
  return chosen;
}

describe('SlotSearch', () => {
  test('sweeps every slot once, in order and at once, then plans waits', () => {
    const search = new SlotSearch(3);
    const plans = [];
    for (let i = 0; i < 3; i++) {
      const plan = search.plan();
      plans.push(plan);
      search.refused(plan.slot, WALL + 1_000 * (3 - i));
    }
    expect(plans.map((p) => [p.slot, p.immediate])).toEqual([
      [0, true],
      [1, true],
      [2, true],
    ]);
    // After the sweep: the slot whose holder's lease ends first, not at once, with that end.
    expect(search.plan()).toEqual({ slot: 2, immediate: false, holderExpiresMs: WALL + 1_000 });
  });

  test('a single slot is the only choice', () => {
    expect(drive(new SlotSearch(1), 4, () => WALL)).toEqual([0, 0, 0, 0]);
  });

  test('polls follow the earliest lease end as holders turn over (each poll refreshes one slot)', () => {
    // Holders turn over on every poll: whoever holds a slot now ends 10 s after the poll.
    const chosen = drive(new SlotSearch(3), 9, (_slot, poll) => WALL + 10_000 + poll);
    // The sweep (0, 1, 2), then always the slot seen longest ago: a fair rotation.
    expect(chosen).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
  });

  test('a holder that stays put is polled while it ends first, but no slot goes unseen for more than 2 × `concurrency` polls', () => {
    // Slot 0's holder ends soonest and never changes; slots 1 and 2 end much later.
    const chosen = drive(new SlotSearch(3), 30, (slot) => (slot === 0 ? WALL + 1_000 : WALL + 60_000));
    expect(chosen.slice(0, 3)).toEqual([0, 1, 2]);
    // Every slot reappears within any window of 2 × 3 + 1 = 7 polls after the sweep.
    for (let i = 3; i + 7 <= chosen.length; i++) {
      expect(new Set(chosen.slice(i, i + 7))).toEqual(new Set([0, 1, 2]));
    }
    // And slot 0 gets the most polls.
    const count = (s: number) => chosen.filter((c) => c === s).length;
    expect(count(0)).toBeGreaterThan(count(1));
    expect(count(0)).toBeGreaterThan(count(2));
  });

  test('where refusals return no holder (dynalite), it rotates through the slots, one per poll', () => {
    expect(drive(new SlotSearch(4), 10, () => undefined)).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1]);
  });
});

/** The holder item a refused write returns (ALL_OLD), its lease ending `inMs` after WALL. */
const heldFor = (inMs: number, code = 'f'.repeat(32)) => ({
  release_code: { S: code },
  expires: { N: String(Math.ceil((WALL + inMs) / 1000)) },
  expires_ms: { N: String(WALL + inMs) },
  fencing_token: { N: '7' },
});

const slotOf = (c: Call | undefined) => c?.input.Key?.concurrency_id?.N;
const codeOf = (c: Call | undefined) => c?.input.ExpressionAttributeValues?.[':code']?.S;

describe("acquire on a 'slots' lock (fake client)", () => {
  const slots = { concurrency: 3, tableLayout: 'slots' } as const;

  test('uncontended: one write, to slot 0; the lease, its renewals and its release stay on that slot', async () => {
    const { fake, lock, events } = setup({ ...slots, autoRenew: true });
    expect(await lock.acquire()).toBe(true);
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]?.input.Key).toEqual({ resource_id: { S: 'res' }, concurrency_id: { N: '0' } });
    expect(lock.slot).toBe(0);
    await lock.extend();
    await lock.release();
    expect(lock.slot).toBeUndefined();
    expect(fake.calls.map(slotOf)).toEqual(['0', '0', '0']);
    expect(events.map((e) => [e.name, (e.event as { slot?: number }).slot])).toEqual([
      ['acquired', 0],
      ['extended', 0],
      ['released', 0],
    ]);
  });

  test('a full resource: one sweep, then one write per poll, each to the slot whose holder ends first', async () => {
    const { clock, fake, lock, events } = setup(slots);
    // Slot 1's holder ends first (in 2 s); the others in 20 s.
    const ends = [20_000, 2_000, 20_000];
    fake.otherwise('acquire', (input) =>
      conditionFailed(heldFor(ends[Number(input.Key?.concurrency_id?.N)] as number)),
    );
    let done = false;
    const pending = lock.acquire({ timeout: 1.5 }).then((r) => {
      done = true;
      return r;
    });
    await clock.advance(0);
    expect(fake.of('acquire').map(slotOf)).toEqual(['0', '1', '2']);
    const sweep = fake.of('acquire').map((c) => c.at);
    expect(new Set(sweep).size).toBe(1); // no pause inside the sweep
    await clock.advance(1_500);
    expect(await pending).toBe(false);
    expect(done).toBe(true);
    const polls = fake.of('acquire').slice(3);
    // Backoff (50 ms doubling to 200 ms) for 1.5 s: a handful of polls, never three per poll.
    expect(polls.length).toBeGreaterThanOrEqual(4);
    expect(polls.length).toBeLessThanOrEqual(15);
    const times = polls.map((c) => c.at);
    expect(new Set(times).size).toBe(times.length); // one write per poll
    // Mostly slot 1 (ends first); the others only to refresh a view older than six polls.
    const ones = polls.filter((c) => slotOf(c) === '1').length;
    expect(ones).toBeGreaterThan(polls.length / 2);
    const contended = events.filter((e) => e.name === 'contended').map((e) => (e.event as { slot: number }).slot);
    expect(contended.slice(0, 3)).toEqual([0, 1, 2]);
  });

  test('polls never sleep past the polled holder’s lease end (plus the skew allowance)', async () => {
    const { clock, fake, lock } = setup({ ...slots, clockSkewAllowance: 0 });
    // Every slot held; slot 2's holder ends 30 ms from now, then slot 2 is free.
    let refusals = 0;
    fake.otherwise('acquire', (input) => {
      const slot = input.Key?.concurrency_id?.N;
      if (slot === '2' && refusals >= 3) return {};
      refusals++;
      return conditionFailed(heldFor(slot === '2' ? 30 : 60_000));
    });
    const pending = lock.acquire();
    await clock.advance(0);
    await clock.advance(30);
    expect(await pending).toBe(true);
    expect(lock.slot).toBe(2);
    expect(fake.of('acquire').map(slotOf)).toEqual(['0', '1', '2', '2']);
  });

  test('blocking: false sweeps each slot once, then gives up (Python 2.x wait_forever=False)', async () => {
    const { fake, lock } = setup(slots);
    fake.otherwise('acquire', () => conditionFailed(heldFor(5_000)));
    expect(await lock.acquire({ blocking: false })).toBe(false);
    expect(fake.of('acquire').map(slotOf)).toEqual(['0', '1', '2']);
    expect(fake.of('release')).toHaveLength(0);
    fake.otherwise('acquire', () => ({}));
    fake.script('acquire', conditionFailed(heldFor(5_000)));
    expect(await lock.acquire({ blocking: false })).toBe(true);
    expect(lock.slot).toBe(1);
  });

  test('a transient failure retries the same slot; if the lock then lands elsewhere, the ambiguous slot is cleared', async () => {
    const { clock, fake, lock } = setup(slots);
    // Slot 0 held; slot 1's first write fails unseen (maybe applied), its retry is refused; slot 2 free.
    fake.script('acquire', conditionFailed(heldFor(5_000)), reset(), conditionFailed(heldFor(5_000)), {});
    const pending = lock.acquire();
    await clock.advance(5_000);
    expect(await pending).toBe(true);
    expect(fake.of('acquire').map(slotOf)).toEqual(['0', '1', '1', '2']);
    expect(lock.slot).toBe(2);
    // The write that may have landed on slot 1 is released with our code: nothing held unknown.
    const releases = fake.of('release');
    expect(releases.map(slotOf)).toEqual(['1']);
    expect(codeOf(releases[0])).toBe(codeOf(fake.of('acquire')[3]));
  });

  test("a 'single' lock keeps its one key, without concurrency_id, and reports no slot", async () => {
    const { fake, lock, events } = setup();
    expect(await lock.acquire()).toBe(true);
    expect(fake.calls[0]?.input.Key).toEqual({ resource_id: { S: 'res' } });
    expect(lock.slot).toBeUndefined();
    expect(events[0]?.event).toMatchObject({ slot: undefined });
    await lock.release();
  });
});
