/** The acquire loop: backoff, deadlines, clean-up of ambiguous writes, tokens and takeover. */
import { describe, expect, test } from 'vitest';
import { ATTEMPT_TIMEOUT_MS, MAX_LATE_ANSWERS } from '../../src/acquire/acquire-loop.js';
import { SILENT_CLEAR_MS } from '../../src/acquire/contact.js';
import {
  AbortedError,
  AlreadyAcquiredError,
  DynamoDbError,
  LeaseTooShortError,
  ThrottledError,
  UnreachableError,
} from '../../src/errors.js';
import { tokenBase } from '../../src/item/requests.js';
import { type Call, conditionFailed, throttled } from '../support/fake-client.js';
import { setup, WALL } from '../support/lock-harness.js';

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

  test('a caller that gave up and comes straight back keeps its place in the backoff: no faster polls for restarting', async () => {
    const { clock, fake, lock, t0 } = setup();
    fake.otherwise('acquire', () => conditionFailed());
    const first = lock.acquire({ timeout: 1 });
    await clock.advance(1_000);
    expect(await first).toBe(false);
    const before = fake.of('acquire').length;
    const second = lock.acquire({ timeout: 1 });
    await clock.advance(1_000);
    expect(await second).toBe(false);
    const again = fake.of('acquire').slice(before);
    // The first try at once; the next after a draw under the cap (200 ms x 0.5), as for a waiter
    // that had kept waiting, not under the first step's 50 ms.
    expect(again[0]!.at).toBe(t0 + 1_000);
    expect(again[1]!.at - again[0]!.at).toBe(100);
    // Long after, a new acquire starts the backoff over.
    await clock.advance(5_000);
    const later = lock.acquire({ timeout: 1 });
    const from = fake.of('acquire').length;
    await clock.advance(1_000);
    expect(await later).toBe(false);
    const fresh = fake.of('acquire').slice(from);
    expect(fresh[1]!.at - fresh[0]!.at).toBe(25);
  });

  test('timeout bounds a hung write too: false at the deadline, and the write (maybe applied) is cleared', async () => {
    const { clock, fake, lock, t0 } = setup();
    // Refused first (DynamoDB answered: the lock is known to be held), then a write that hangs.
    fake.script('acquire', conditionFailed(), 'hang');
    let result: boolean | undefined;
    const pending = lock.acquire({ timeout: 1 }).then((r) => {
      result = r;
    });
    await clock.advance(999);
    expect(result).toBeUndefined();
    await clock.advance(1);
    await pending;
    expect(result).toBe(false);
    expect(fake.of('acquire')).toHaveLength(2);
    expect(fake.of('acquire')[1]?.signal?.aborted).toBe(true);
    expect(fake.of('release')).toHaveLength(1);
    expect(fake.of('release')[0]?.at).toBe(t0 + 1_000);
    expect(fake.of('release')[0]?.input.ExpressionAttributeValues?.[':code']).toEqual(
      fake.of('acquire')[1]?.input.ExpressionAttributeValues?.[':code'],
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
    // 2.5 s left; asking for 1 s would shorten it, so the current end is kept (and 1 ms more:
    // every write of a holder asks for a later end than the one before).
    await lock.extend(1);
    expect(fake.of('extend')[0]?.input.ExpressionAttributeValues?.[':expms']).toEqual({ N: String(WALL + 3_001) });
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

  test('a clear that finds nothing of ours is sent once more a second later: the aborted write may land after it', async () => {
    const { fake, lock, clock } = setup();
    fake.script('acquire', 'hang');
    // The clear overtakes the aborted write: refused, as the item is not (yet) ours.
    fake.script('release', conditionFailed(), {});
    const controller = new AbortController();
    const pending = lock.acquire({ signal: controller.signal });
    await clock.flush();
    const abortedAt = clock.monotonic();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
    expect(fake.of('release')).toHaveLength(1);
    await clock.advance(1_000);
    const clears = fake.of('release');
    expect(clears).toHaveLength(2);
    expect(clears[1]!.at - abortedAt).toBe(1_000);
    const code = fake.of('acquire')[0]?.input.ExpressionAttributeValues?.[':code'];
    expect(clears.map((c) => c.input.ExpressionAttributeValues?.[':code'])).toEqual([code, code]);
    expect(clock.pendingTimers).toBe(0);
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

describe('waiting in the queue (the loop and the queue strategy together)', () => {
  /** The item while someone has held it for 10 s, with tickets 11 and 12 out and 10 served. */
  const item = (more: Record<string, { N: string } | { S: string } | { NS: string[] }> = {}) => ({
    release_code: { S: 'holder' },
    expires_ms: { N: String(WALL + 600_000) },
    acquired_ms: { N: String(WALL - 10_000) },
    next_ticket: { N: '12' },
    serving: { N: '10' },
    head_until: { N: String(WALL) },
    ...more,
  });
  const ticketOf = (c: Call | undefined) => c?.input.ExpressionAttributeValues?.[':ticket']?.N;

  test('a refused waiter that sees a long hold queues, and as the head claims the right of way, then looks within the cap', async () => {
    const { clock, fake, lock } = setup({ duration: 60 });
    fake.script('acquire', conditionFailed(item()));
    fake.script('ticket', { Attributes: item({ next_ticket: { N: '11' } }) });
    fake.otherwise('beat', () => ({
      Attributes: item({ head_of: { N: '11' }, head_until: { N: String(WALL + 9_999) } }),
    }));
    const pending = lock.acquire({ timeout: 10 });
    await clock.advance(5_000);
    expect(fake.of('ticket')).toHaveLength(1);
    const beats = fake.of('beat');
    expect(beats.map(ticketOf).every((t) => t === '11')).toBe(true);
    // Heartbeats from the ticket on, none more than 97.5% of maxPollInterval (2 s) apart.
    const ticketAt = fake.of('ticket')[0]!.at;
    expect(beats[0]!.at - ticketAt).toBeLessThanOrEqual(1_950);
    for (let i = 1; i < beats.length; i++) expect(beats[i]!.at - beats[i - 1]!.at).toBeLessThanOrEqual(1_950);
    expect(beats.length).toBeGreaterThanOrEqual(2);
    await clock.advance(5_000);
    expect(await pending).toBe(false);
  });

  test('the head that times out leaves the queue with one write before acquire() resolves false', async () => {
    const { clock, fake, lock } = setup({ duration: 60 });
    fake.script('acquire', conditionFailed(item()));
    fake.script('ticket', { Attributes: item({ next_ticket: { N: '11' } }) });
    fake.otherwise('beat', () => ({
      Attributes: item({ head_of: { N: '11' }, head_until: { N: String(WALL + 9_999) } }),
    }));
    let result: boolean | undefined;
    const pending = lock.acquire({ timeout: 3 }).then((r) => {
      result = r;
    });
    await clock.advance(3_000);
    await pending;
    expect(result).toBe(false);
    expect(fake.of('leave').map(ticketOf)).toEqual(['11']);
    expect(clock.pendingTimers).toBe(0);
  });

  test('a waiter further back that gives up sends nothing: the waiter behind the head skips a dead one in time', async () => {
    const { clock, fake, lock } = setup({ duration: 60 });
    const behind = item({ next_ticket: { N: '13' }, head_of: { N: '11' }, head_until: { N: String(WALL + 60_000) } });
    fake.otherwise('acquire', () => conditionFailed(behind));
    fake.script('ticket', { Attributes: behind });
    const pending = lock.acquire({ timeout: 5 });
    await clock.advance(5_000);
    expect(await pending).toBe(false);
    // Its looks are tries (refusals return the item), at most B apart: a quarter of the 10 s
    // hold it saw, 2.5 s.
    const ticketAt = fake.of('ticket')[0]!.at;
    const tries = fake.of('acquire').filter((c) => c.at > ticketAt);
    expect(tries.length).toBeGreaterThanOrEqual(1);
    expect(tries[0]!.at - ticketAt).toBeLessThanOrEqual(2_500);
    expect(fake.of('leave')).toHaveLength(0);
  });

  test('a timeout shorter than maxPollInterval never takes a ticket: it polls', async () => {
    const { clock, fake, lock } = setup({ duration: 60 });
    fake.otherwise('acquire', () => conditionFailed(item()));
    const pending = lock.acquire({ timeout: 1.5 });
    await clock.advance(1_500);
    expect(await pending).toBe(false);
    expect(fake.of('ticket')).toHaveLength(0);
    expect(fake.of('acquire').length).toBeGreaterThanOrEqual(5);
  });

  test('a waiter that takes the lock out of turn marks its ticket done in the same write, and waits with it no more', async () => {
    const { clock, fake, lock } = setup({ duration: 60 });
    // Ticket 13, two behind the head: its look (a try) finds the lock free with no head claiming it.
    const behind = item({ next_ticket: { N: '13' } });
    fake.script('acquire', conditionFailed(item()), {});
    fake.script('ticket', { Attributes: behind });
    const first = lock.acquire({ timeout: 10 });
    await clock.advance(3_000);
    expect(await first).toBe(true);
    const won = fake.of('acquire').at(-1);
    expect(won?.input.UpdateExpression).toMatch(/ ADD #done :done$/);
    expect(won?.input.ExpressionAttributeValues?.[':done']).toEqual({ NS: ['13'] });
    // The first try, before the ticket, marked nothing.
    expect(fake.of('acquire')[0]?.input.UpdateExpression).not.toContain('#done');
    await lock.release();
    // The next acquire that meets a long hold takes a new ticket: 13 is done, not kept.
    const later = item({ next_ticket: { N: '14' }, serving: { N: '12' }, done_tickets: { NS: ['13'] } });
    fake.otherwise('acquire', () => conditionFailed(later));
    fake.otherwise('beat', () => conditionFailed(later));
    fake.script('ticket', { Attributes: item({ next_ticket: { N: '15' }, serving: { N: '12' } }) });
    const second = lock.acquire({ timeout: 3 });
    await clock.advance(3_000);
    expect(await second).toBe(false);
    expect(fake.of('ticket')).toHaveLength(2);
  });

  test('a waiter that gives up behind others keeps its ticket: the next acquire waits with it, and is served', async () => {
    const { clock, fake, lock } = setup({ duration: 60 });
    const behind = item({ next_ticket: { N: '13' } });
    fake.otherwise('acquire', () => conditionFailed(behind));
    fake.script('acquire', conditionFailed(item()));
    fake.script('ticket', { Attributes: behind });
    expect(await Promise.all([lock.acquire({ timeout: 3 }), clock.advance(3_000)]).then(([r]) => r)).toBe(false);
    // Later the queue has served 12: ticket 13 is the head, and the lock is free.
    const turn = item({ next_ticket: { N: '13' }, serving: { N: '12' }, expires_ms: { N: '0' } });
    fake.otherwise('acquire', () => ({}));
    fake.script('acquire', conditionFailed(turn), {});
    const second = lock.acquire({ timeout: 10 });
    await clock.advance(3_000);
    expect(await second).toBe(true);
    expect(fake.of('ticket')).toHaveLength(1);
    const take = fake.of('acquire').at(-1);
    expect(take?.input.ExpressionAttributeValues).toMatchObject({
      ':ticket': { N: '13' },
      ':ticketBefore': { N: '12' },
    });
    await lock.release();
  });

  test('the head takes the lock as the head the moment its heartbeat shows it free, and is counted served', async () => {
    const { clock, fake, lock } = setup({ duration: 60 });
    fake.script('acquire', conditionFailed(item()), {});
    fake.script('ticket', { Attributes: item({ next_ticket: { N: '11' } }) });
    fake.script('beat', { Attributes: item({ head_of: { N: '11' }, expires_ms: { N: '0' } }) });
    const pending = lock.acquire({ timeout: 10 });
    await clock.advance(2_000);
    expect(await pending).toBe(true);
    const take = fake.of('acquire')[1];
    expect(take!.at).toBe(fake.of('beat')[0]!.at);
    expect(take?.input.ExpressionAttributeValues).toMatchObject({
      ':ticket': { N: '11' },
      ':ticketBefore': { N: '10' },
    });
    expect(fake.of('leave')).toHaveLength(0);
    await lock.release();
  });
});

describe('fencing token and takeover, from the old item (ALL_OLD)', () => {
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

describe('a lease shorter than the round trip', () => {
  test('a blocking acquire whose answers keep coming too late fails with LeaseTooShortError, holding nothing', async () => {
    const { clock, fake, lock } = setup();
    fake.otherwise('acquire', () => 'hang');
    const outcome = lock.acquire().then(
      () => 'settled',
      (error: unknown) => error,
    );
    for (let i = 0; i < MAX_LATE_ANSWERS; i++) {
      await clock.advance(2_500); // later than duration (3 s) less the margin (0.6 s)
      fake.of('acquire')[i]!.resolve();
      await clock.advance(100); // the give-back and the backoff before the next try
    }
    const error = await outcome;
    expect(error).toBeInstanceOf(LeaseTooShortError);
    expect((error as LeaseTooShortError).message).toMatch(/too late.*duration/);
    // Every late lease was given back under its own code; nothing is held.
    expect(fake.of('acquire')).toHaveLength(MAX_LATE_ANSWERS);
    expect(fake.of('release').map((c) => c.input.ExpressionAttributeValues?.[':code']?.S)).toEqual(
      fake.of('acquire').map((c) => c.input.ExpressionAttributeValues?.[':code']?.S),
    );
    expect(lock.locked()).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('an endpoint that accepts and never answers', () => {
  test('a non-blocking acquire settles after one cut-off and a short clean-up, with an UnreachableError', async () => {
    const { clock, fake, lock, t0 } = setup();
    fake.otherwise('acquire', () => 'hang');
    fake.otherwise('release', () => 'hang');
    let settled: number | undefined;
    const outcome = lock.acquire({ blocking: false }).then(
      () => 'resolved',
      (error: unknown) => {
        settled = clock.monotonic();
        return error;
      },
    );
    await clock.advance(ATTEMPT_TIMEOUT_MS + SILENT_CLEAR_MS);
    const error = await outcome;
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as Error).message).toMatch(/got no answer within 5\.0 s/);
    expect(settled).toBe(t0 + ATTEMPT_TIMEOUT_MS + SILENT_CLEAR_MS);
    expect(fake.of('acquire')).toHaveLength(1);
    // The write may have been applied: it was cleared (best effort), under its own code.
    expect(fake.of('release')).toHaveLength(1);
    expect(lock.locked()).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });
});
