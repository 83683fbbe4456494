/**
 * The multi-lock's acquire on a scripted client and a fake clock: what it sends after each kind
 * of answer, and that nothing is left held whatever way it ends.
 */
import { describe, expect, test } from 'vitest';
import { AbortedError, MisconfiguredError, TransactionsUnsupportedError, UnreachableError } from '../../src/errors.js';
import type { LockHooks } from '../../src/events.js';
import { DynamoDbMultiLock, type MultiLockOptions } from '../../src/multi-lock.js';
import { withClock } from '../../src/runtime/test-seam.js';
import { FakeClock } from '../support/fake-clock.js';
import { cancelled, connectionReset, FakeTransactClient } from '../support/fake-transact-client.js';
import { WALL } from '../support/lock-harness.js';

function setup(options: MultiLockOptions = {}) {
  const clock = new FakeClock(WALL);
  const fake = new FakeTransactClient(clock.monotonic);
  const events: { name: string; event: { resourceId: string } }[] = [];
  const hooks: LockHooks = Object.fromEntries(
    ['acquired', 'contended', 'throttled', 'lost', 'released'].map((name) => [
      name,
      (event: { resourceId: string }) => events.push({ name, event }),
    ]),
  );
  const locks = new DynamoDbMultiLock(
    ['a', 'b'],
    withClock({ client: fake.asClient, duration: 3, logger: false, hooks, ...options }, clock),
  );
  return { clock, fake, locks, events };
}

/** The condition each Update of the `n`-th transaction sent. */
const conditions = (fake: FakeTransactClient, n: number) =>
  fake.of('TransactWriteItems')[n]?.input.TransactItems?.map((item) => item.Update?.ConditionExpression ?? '');

const held = (expiresMs: number, code = 'x'.repeat(32)) => ({
  code: 'ConditionalCheckFailed',
  item: {
    resource_id: { S: 'b' },
    release_code: { S: code },
    expires_ms: { N: String(expiresMs) },
    expires: { N: String(Math.ceil(expiresMs / 1000)) },
  },
});

describe('DynamoDbMultiLock.acquire', () => {
  test('one transaction and one read: every lease from one write, tokens from the read', async () => {
    const { fake, locks, events } = setup();
    expect(await locks.acquire()).toBe(true);
    expect(fake.of('TransactWriteItems')).toHaveLength(1);
    expect(fake.of('BatchGetItem')).toHaveLength(1);
    expect([...locks.fencingTokens]).toEqual([
      ['a', 100],
      ['b', 101],
    ]);
    expect(
      conditions(fake, 0)?.every((c) => c.endsWith('(attribute_not_exists(#freshRid) OR #freshExpms = :freshZero)')),
    ).toBe(true);
    expect(events.filter((e) => e.name === 'acquired').map((e) => e.event.resourceId)).toEqual(['a', 'b']);
    await locks.release();
    expect(fake.of('UpdateItem')).toHaveLength(2);
  });

  test('a transaction conflict is retried soon and is not contention', async () => {
    const { clock, fake, locks, events } = setup();
    fake.script(
      'TransactWriteItems',
      cancelled('TransactionConflict', 'None'),
      cancelled('None', 'TransactionConflict'),
    );
    const acquiring = locks.acquire({ blocking: false });
    await clock.advance(250);
    expect(await acquiring).toBe(true);
    const sent = fake.of('TransactWriteItems');
    expect(sent).toHaveLength(3);
    // The conflict backoff: at most 10, then 20 ms (full jitter; the fake clock's random is 0.5).
    expect(sent[1]!.at - sent[0]!.at).toBe(5);
    expect(sent[2]!.at - sent[1]!.at).toBe(10);
    expect(events.some((e) => e.name === 'contended')).toBe(false);
    await locks.release();
  });

  test('held elsewhere: blocking false gives up at once; a blocking acquire waits by the cancellation and tries again', async () => {
    const { clock, fake, locks, events } = setup({ clockSkewAllowance: 1 });
    fake.script('TransactWriteItems', cancelled('None', held(WALL + 10_000)));
    expect(await locks.acquire({ blocking: false })).toBe(false);
    expect(fake.of('TransactWriteItems')).toHaveLength(1);
    expect(fake.of('UpdateItem')).toHaveLength(0); // nothing to clear: a cancelled transaction applied nothing

    fake.script('TransactWriteItems', cancelled('None', held(WALL + 10_000)));
    const acquiring = locks.acquire();
    await clock.advance(1_000);
    expect(await acquiring).toBe(true);
    expect(fake.of('TransactWriteItems')).toHaveLength(3);
    const contended = events.filter((e) => e.name === 'contended');
    expect(contended.map((e) => e.event)).toEqual([
      expect.objectContaining({ resourceId: 'b', holderExpiresAt: new Date(WALL + 10_000), delayMs: 25 }),
    ]);
    await locks.release();
  });

  test('an item whose holder never released is sent in the plain form next, at once, and reported taken over', async () => {
    const { fake, locks } = setup({ clockSkewAllowance: 1 });
    // b's lease ended 1.5 s ago (beyond the 1 s allowance), unreleased.
    fake.script('TransactWriteItems', cancelled('None', held(WALL - 1_500)));
    expect(await locks.acquire({ blocking: false })).toBe(true);
    const [first, second] = [conditions(fake, 0), conditions(fake, 1)];
    expect(first?.map((c) => c.includes('#freshRid'))).toEqual([true, true]);
    expect(second?.map((c) => c.includes('#freshRid'))).toEqual([true, false]);
    expect(fake.of('TransactWriteItems')[1]!.at).toBe(fake.of('TransactWriteItems')[0]!.at);
    expect(locks.tookOver).toEqual(['b']);
    await locks.release();
  });

  test('items carrying our own code (a write of ours applied unseen) are taken in the plain form, and counted as taken over', async () => {
    const { clock, fake, locks } = setup();
    // The first write's answer is lost; it was applied: the retry finds both items under its code.
    const own = (f: FakeTransactClient) => held(WALL + 3_000, f.lastCode());
    fake.script('TransactWriteItems', connectionReset(), (f) => cancelled(own(f), own(f)));
    const acquiring = locks.acquire();
    await clock.advance(100);
    expect(await acquiring).toBe(true);
    expect(conditions(fake, 2)?.some((c) => c.includes('#freshRid'))).toBe(false);
    expect(locks.tookOver).toEqual(['a', 'b']);
    // Nothing else was cleared: the acquire holds what it wrote.
    expect(fake.of('UpdateItem')).toHaveLength(0);
    await locks.release();
  });

  test('an endpoint without transactions: TransactionsUnsupportedError, nothing to clear', async () => {
    const { fake, locks } = setup();
    fake.script('TransactWriteItems', Object.assign(new Error('UnknownError'), { name: 'UnknownOperationException' }));
    await expect(locks.acquire()).rejects.toBeInstanceOf(TransactionsUnsupportedError);
    expect(fake.of('UpdateItem')).toHaveLength(0);
    expect(locks.locked()).toBe(false);
  });

  test('aborted after a write whose answer was lost: every item is released under its code before the acquire settles', async () => {
    const { clock, fake, locks } = setup();
    fake.script('TransactWriteItems', connectionReset());
    const controller = new AbortController();
    const acquiring = locks.acquire({ signal: controller.signal });
    await clock.flush();
    controller.abort();
    await expect(acquiring).rejects.toBeInstanceOf(AbortedError);
    const code = fake.lastCode();
    const releases = fake.of('UpdateItem');
    expect(releases.map((r) => r.input.Key?.resource_id?.S)).toEqual(['a', 'b']);
    for (const r of releases) expect(r.input.ExpressionAttributeValues?.[':code']).toEqual({ S: code });
  });

  test('a read that finds an item under another code gives everything back and tries again under a fresh code', async () => {
    const { clock, fake, locks } = setup();
    fake.script('BatchGetItem', {
      Responses: {
        dynamo_dlm_locks: [
          { resource_id: { S: 'a' }, release_code: { S: 'other' }, fencing_token: { N: '5' } },
          { resource_id: { S: 'b' }, release_code: { S: 'other' }, fencing_token: { N: '6' } },
        ],
      },
    });
    const acquiring = locks.acquire();
    await clock.advance(100);
    expect(await acquiring).toBe(true);
    const [first, second] = fake.of('TransactWriteItems');
    const codeOf = (c: typeof first) => c?.input.TransactItems?.[0]?.Update?.ExpressionAttributeValues?.[':code']?.S;
    expect(codeOf(first)).not.toBe(codeOf(second));
    // The first code's items were cleared (two releases) before the second try.
    expect(
      fake
        .of('UpdateItem')
        .slice(0, 2)
        .map((r) => r.input.ExpressionAttributeValues?.[':code']?.S),
    ).toEqual([codeOf(first), codeOf(first)]);
    await locks.release();
  });

  test('keys left unprocessed by the read are asked for again', async () => {
    const { clock, fake, locks } = setup();
    fake.script('BatchGetItem', {
      Responses: { dynamo_dlm_locks: [] },
      UnprocessedKeys: { dynamo_dlm_locks: { Keys: [{ resource_id: { S: 'a' } }, { resource_id: { S: 'b' } }] } },
    });
    const acquiring = locks.acquire();
    await clock.advance(100);
    expect(await acquiring).toBe(true);
    expect(fake.of('BatchGetItem')).toHaveLength(2);
    await locks.release();
  });
});

const refusedConnection = (): Error =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });

describe('DynamoDbMultiLock.acquire at its edges: no answer, a host that does not resolve, the deadline', () => {
  test('a timeout that runs out against a refusing endpoint: UnreachableError naming every id, nothing to clear', async () => {
    const { clock, fake, locks } = setup();
    fake.script('TransactWriteItems', ...Array.from({ length: 100 }, refusedConnection));
    const acquiring = locks.acquire({ timeout: 3 }).catch((e: unknown) => e);
    await clock.advance(3_000);
    const error = await acquiring;
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as Error).message).toMatch(/^acquire of `a`, `b` never reached DynamoDB: none of its \d+ writes/);
    expect(((error as UnreachableError).cause as { code?: string }).code).toBe('ECONNREFUSED');
    expect(fake.of('TransactWriteItems').length).toBeGreaterThan(1);
    // A refused connection sent nothing: no release to send.
    expect(fake.of('UpdateItem')).toHaveLength(0);
    expect(locks.locked()).toBe(false);
  });

  test('blocking: false against a refusing endpoint: UnreachableError after its three attempts', async () => {
    const { clock, fake, locks } = setup();
    fake.script('TransactWriteItems', ...Array.from({ length: 3 }, refusedConnection));
    const acquiring = locks.acquire({ blocking: false }).catch((e: unknown) => e);
    await clock.advance(5_000);
    expect(await acquiring).toBeInstanceOf(UnreachableError);
    expect(fake.of('TransactWriteItems')).toHaveLength(3);
  });

  test('a host name that does not resolve, before any answer: MisconfiguredError at once', async () => {
    const { fake, locks } = setup();
    const unknownHost = Object.assign(new Error('getaddrinfo ENOTFOUND dynamodb.example.invalid'), {
      code: 'ENOTFOUND',
    });
    fake.script('TransactWriteItems', unknownHost);
    const error = await locks.acquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MisconfiguredError);
    expect((error as Error).message).toMatch(/^acquire of `a`, `b` failed, and retrying cannot help/);
    expect(fake.of('TransactWriteItems')).toHaveLength(1);
  });

  test('held elsewhere until past the timeout: false, and no transaction after a sleep that ran to the deadline', async () => {
    const { clock, fake, locks } = setup({ maxPollInterval: 60 });
    fake.script('TransactWriteItems', ...Array.from({ length: 50 }, () => cancelled('None', held(WALL + 60_000))));
    const started = clock.monotonic();
    const acquiring = locks.acquire({ timeout: 1 });
    await clock.advance(2_000);
    expect(await acquiring).toBe(false);
    const sent = fake.of('TransactWriteItems');
    expect(sent.length).toBeGreaterThan(1);
    // One sent at the deadline would be cut off at once, and then cleared as if applied.
    expect(sent.every((c) => c.at < started + 1_000)).toBe(true);
    expect(fake.of('UpdateItem')).toHaveLength(0);
  });
});
