/**
 * Fencing tokens never go backwards across a TTL deletion, with every clock within the
 * documented allowance (`clockSkewAllowance + safetyMargin`, 3 s by default), at the `retention`
 * floor. Each lock reads the wall clock through its own fake clock, skewed from a true time the
 * test keeps; DynamoDB's TTL is simulated by deleting the item at the first moment DynamoDB may
 * (its ttl, in epoch seconds, passed by the true clock).
 */
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DynamoDbLock } from '../../src/index.js';
import { withClock } from '../../src/runtime/test-seam.js';
import { backends, clientFor, freshTable, readItem } from '../support/backends.js';
import { FakeClock } from '../support/fake-clock.js';

const TRUE_START = 1_800_000_000_000;

describe.each(backends())('a fresh token counter after a TTL deletion, on $name', (backend) => {
  const client = clientFor(backend);
  let tableName: string;
  beforeAll(async () => {
    tableName = await freshTable(client, 'retention');
  });
  afterAll(() => client.destroy());

  test('a releaser 2.9 s slow at the 3 s retention floor: the next token is still the greatest', async () => {
    let trueNow = TRUE_START;
    /** A lock whose wall clock is `offsetMs` off the true time (duration 10 s: the allowance is 1 s + 2 s). */
    const lockWithClock = (offsetMs: number) => {
      const clock = new FakeClock(trueNow + offsetMs);
      const lock = new DynamoDbLock(
        'fenced',
        withClock({ client, tableName, duration: 10, retention: 3, logger: false }, clock),
      );
      return { lock, clock, offsetMs };
    };
    const advanceTo = (t: number, ...clocks: FakeClock[]) => {
      for (const clock of clocks) clock.stepWall(t - trueNow);
      trueNow = t;
    };

    // The counter's creator, its clock 0.1 s fast: the counter starts at its clock.
    const creator = lockWithClock(100);
    expect(await creator.lock.acquire()).toBe(true);
    await creator.lock.release();
    // The last holder before the deletion, its clock 2.9 s slow (3 s from the creator's: allowed).
    const releaser = lockWithClock(-2_900);
    expect(await releaser.lock.acquire()).toBe(true);
    const lastToken = releaser.lock.fencingToken as number;
    expect(lastToken).toBe((creator.lock.fencingToken as number) + 1);
    await releaser.lock.release();

    // DynamoDB's TTL deletes the marker as soon as its ttl (epoch seconds) has passed by its own, true, clock.
    const ttl = Number((await readItem(client, tableName, 'fenced'))?.ttl?.N);
    const next = lockWithClock(-2_900);
    advanceTo(Math.max(trueNow, ttl * 1000 + 1), next.clock);
    await client.send(new DeleteItemCommand({ TableName: tableName, Key: { resource_id: { S: 'fenced' } } }));

    // The next acquirer, as slow as the releaser (3 s behind the creator: allowed), starts a
    // fresh counter from its own clock.
    expect(await next.lock.acquire()).toBe(true);
    expect(next.lock.fencingToken as number).toBeGreaterThan(lastToken);
    await next.lock.release();
  });
});
