/**
 * The lock-checked write on a scripted client and a fake clock: what is sent, what is retried
 * (always under one client request token), and how a cancellation maps.
 */
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { describe, expect, test } from 'vitest';
import { AbortedError, LockLostError } from '../../src/errors.js';
import { DynamoDbLock } from '../../src/lock.js';
import { withClock } from '../../src/runtime/test-seam.js';
import { recordingLogger } from '../integration/helpers.js';
import { FakeClock } from '../support/fake-clock.js';
import { cancelled, connectionReset, FakeTransactClient } from '../support/fake-transact-client.js';
import { WALL } from '../support/lock-harness.js';

async function held() {
  const clock = new FakeClock(WALL);
  const fake = new FakeTransactClient(clock.monotonic);
  const log = recordingLogger();
  const lost: unknown[] = [];
  const lock = new DynamoDbLock(
    'res',
    withClock({ client: fake.asClient, duration: 10, logger: log, hooks: { lost: (e) => lost.push(e) } }, clock),
  );
  await lock.acquire();
  return { clock, fake, lock, log, lost };
}

const item: TransactWriteItem = { Put: { TableName: 'data', Item: { id: { S: 'x' } } } };

describe('lock.transactWrite', () => {
  test("sends the caller's items, then the check, with a client request token", async () => {
    const { fake, lock } = await held();
    const out = await lock.transactWrite([item]);
    expect(out.$metadata.httpStatusCode).toBe(200);
    const [sent] = fake.of('TransactWriteItems');
    expect(sent?.input.TransactItems).toEqual([item, lock.conditionCheck()]);
    expect(sent?.input.ClientRequestToken).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('conflicts, throttling and lost answers are retried under the same token, with backoff, five attempts in all', async () => {
    const { clock, fake, lock, log } = await held();
    const throttled = Object.assign(new Error('slow down'), { name: 'ThrottlingException', $metadata: {} });
    fake.script('TransactWriteItems', cancelled('TransactionConflict', 'None'), throttled, connectionReset());
    const writing = lock.transactWrite([item]);
    await clock.advance(1_000);
    await writing;
    const sent = fake.of('TransactWriteItems');
    expect(sent).toHaveLength(4);
    expect(new Set(sent.map((s) => s.input.ClientRequestToken)).size).toBe(1);
    expect(sent.map((s, i) => (i === 0 ? 0 : s.at - (sent[i - 1] as typeof s).at))).toEqual([0, 25, 50, 100]);
    expect(log.warnings()).toHaveLength(3);
    expect(log.warnings()[0]).toMatch(/under 'res' met a transaction conflict \(attempt 1\)/);

    // Five failures: the last one, untouched.
    const resets = Array.from({ length: 5 }, () => connectionReset());
    fake.script('TransactWriteItems', ...resets);
    const failing = lock.transactWrite([item]).catch((e: unknown) => e);
    await clock.advance(5_000);
    expect(await failing).toBe(resets[4]);
    expect(lock.locked()).toBe(true);
  });

  test("the lock's own check refused: the lease is lost (taken, by whom), and LockLostError carries the SDK error", async () => {
    const { fake, lock, lost } = await held();
    const refusal = cancelled('None', {
      code: 'ConditionalCheckFailed',
      item: {
        resource_id: { S: 'res' },
        release_code: { S: 'other' },
        owner: { S: 'host-2:77' },
        expires_ms: { N: '9' },
      },
    });
    fake.script('TransactWriteItems', refusal);
    const error = await lock.transactWrite([item]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockLostError);
    expect(error).toMatchObject({ reason: 'taken', owner: 'host-2:77', resourceId: 'res', cause: refusal });
    expect(lock.locked()).toBe(false);
    expect(lock.signal.reason).toBe(error);
    expect(lost).toEqual([expect.objectContaining({ reason: 'taken', owner: 'host-2:77' })]);
    // Known lost: the next write and the check fail at once, with no request.
    const calls = fake.calls.length;
    await expect(lock.transactWrite([item])).rejects.toBe(error);
    expect(() => lock.conditionCheck()).toThrow(error as Error);
    expect(fake.calls.length).toBe(calls);
    // The release finds the item taken too, and reports the loss the check found.
    fake.script('UpdateItem', Object.assign(new Error('refused'), { name: 'ConditionalCheckFailedException' }));
    await expect(lock.release()).rejects.toBe(error);
  });

  test("the lock's own check refused by a forced release: the lease is lost as forced, as a refused renewal reads it", async () => {
    const { fake, lock, lost } = await held();
    expect(lock.fencingToken).toEqual(expect.any(Number));
    // What `dynamo-dlm release --force` leaves: a released marker, this lease's token, a fresh code.
    const marker = {
      resource_id: { S: 'res' },
      release_code: { S: 'fresh-code-of-the-operator' },
      expires_ms: { N: '0' },
      expires: { N: '0' },
      fencing_token: { N: String(lock.fencingToken) },
      owner: { S: 'the-evicted-holder' },
    };
    fake.script('TransactWriteItems', cancelled('None', { code: 'ConditionalCheckFailed', item: marker }));
    const error = await lock.transactWrite([item]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockLostError);
    expect(error).toMatchObject({ reason: 'forced', owner: undefined });
    expect(lost).toEqual([expect.objectContaining({ reason: 'forced' })]);
  });

  test("another item's condition failed: the SDK error itself, not retried; the lock stays held", async () => {
    const { fake, lock } = await held();
    const refusal = cancelled('ConditionalCheckFailed', 'None');
    fake.script('TransactWriteItems', refusal);
    await expect(lock.transactWrite([item])).rejects.toBe(refusal);
    expect(fake.of('TransactWriteItems')).toHaveLength(1);
    expect(lock.locked()).toBe(true);
  });

  test('an unanswered attempt is cut off after 5 s and retried; an abort ends it with AbortedError', async () => {
    const { clock, fake, lock } = await held();
    fake.script('TransactWriteItems', 'hang');
    const writing = lock.transactWrite([item]);
    await clock.advance(5_100);
    await writing;
    expect(fake.of('TransactWriteItems')).toHaveLength(2);

    fake.script('TransactWriteItems', 'hang');
    const controller = new AbortController();
    const aborted = lock.transactWrite([item], { signal: controller.signal });
    await clock.flush();
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortedError);
  });

  test('a send of your own that ignores its signal still settles, cut off after 5 s', async () => {
    const { clock, lock } = await held();
    let calls = 0;
    const writing = lock.transactWrite([{ Put: { TableName: 'data', Item: { id: 'x' } } }], {
      send: (input) => {
        calls++;
        expect(input.TransactItems.at(-1)).toEqual(lock.conditionCheck({ form: 'document' }));
        return calls === 1 ? new Promise<string>(() => undefined) : Promise.resolve('sent');
      },
    });
    await clock.advance(5_100);
    expect(await writing).toBe('sent');
    expect(calls).toBe(2);
  });
});
