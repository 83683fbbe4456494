import { PutItemCommand, UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { itemKey } from '../../src/item/attributes.js';
import {
  beatRequest,
  leaveRequest,
  lookRequest,
  passRequest,
  skipRequest,
  ticketRequest,
} from '../../src/item/queue-requests.js';
import { acquireRequest, releaseRequest } from '../../src/item/requests.js';
import { backends, clientFor, freshTable, readItem } from '../support/backends.js';

/**
 * What the queue's writes and the acquire's admission mean on real servers: the semantics the
 * unit tests do not pin as strings. Each test sets an item up with plain writes, then asks the
 * server whether a request is admitted.
 */
describe.each(backends())('the queue’s conditions on $name', (backend) => {
  const client = clientFor(backend);
  let tableName: string;
  let n = 0;
  const fresh = () => `q-${n++}`;
  const send = (input: UpdateItemCommandInput) => client.send(new UpdateItemCommand(input));
  const admitted = async (input: UpdateItemCommandInput): Promise<boolean> => {
    try {
      await send(input);
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  };
  const now = () => Date.now();
  const acquire = (id: string, code: string, claim?: { kind: 'head'; ticket: number }, clock = now, skewMs = 0) =>
    acquireRequest({
      tableName,
      key: itemKey('single', id, 0),
      code,
      now: clock(),
      durationMs: 10_000,
      skewMs,
      retentionS: 60,
      owner: 'test',
      ...(claim === undefined ? {} : { claim }),
    });
  const target = (id: string) => ({ tableName, key: itemKey('single', id, 0), now: now(), skewMs: 0 });
  /** A released lock whose queue is as given. */
  const releasedWith = (id: string, queue: Record<string, number>) =>
    client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          resource_id: { S: id },
          release_code: { S: 'old' },
          expires: { N: '0' },
          expires_ms: { N: '0' },
          ...Object.fromEntries(Object.entries(queue).map(([k, v]) => [k, { N: String(v) }])),
        },
      }),
    );

  beforeAll(async () => {
    tableName = await freshTable(client);
  });
  afterAll(() => client.destroy());

  test('a free lock with a live head (its heartbeat unexpired, its ticket unserved) admits only the head', async () => {
    const id = fresh();
    await releasedWith(id, { next_ticket: 12, serving: 10, head_of: 11, head_until: now() + 60_000 });
    expect(await admitted(acquire(id, 'anyone'))).toBe(false);
    expect(await admitted(acquire(id, 'waiter-12', { kind: 'head', ticket: 12 }))).toBe(false);
    expect(await admitted(acquire(id, 'head', { kind: 'head', ticket: 11 }))).toBe(true);
    // The head is served, and when: nobody holds the right of way now.
    const item = await readItem(client, tableName, id);
    expect(item?.serving?.N).toBe('11');
    expect(item?.head_of?.N).toBe('11');
    expect(Number(item?.head_until?.N)).toBeLessThanOrEqual(now());
  });

  test('a right of way is nobody’s once its heartbeat ran out, once its head was served, or with no queue at all', async () => {
    const lapsed = fresh();
    await releasedWith(lapsed, { next_ticket: 12, serving: 10, head_of: 11, head_until: now() - 1 });
    expect(await admitted(acquire(lapsed, 'anyone'))).toBe(true);
    const served = fresh();
    await releasedWith(served, { next_ticket: 12, serving: 11, head_of: 11, head_until: now() - 1 });
    expect(await admitted(acquire(served, 'anyone'))).toBe(true);
    const none = fresh();
    await releasedWith(none, {});
    expect(await admitted(acquire(none, 'anyone'))).toBe(true);
    // Dead tickets without a heartbeat shut nobody out.
    const dead = fresh();
    await releasedWith(dead, { next_ticket: 40, serving: 10 });
    expect(await admitted(acquire(dead, 'anyone'))).toBe(true);
  });

  test('a head served, or leaving, on a clock that runs ahead within the allowance leaves no right of way behind', async () => {
    const skew = 1_000;
    const ahead = () => now() + skew - 50;
    const id = fresh();
    await releasedWith(id, { next_ticket: 13, serving: 10, head_of: 11, head_until: now() + 60_000 });
    expect(await admitted(acquire(id, 'head', { kind: 'head', ticket: 11 }, ahead, skew))).toBe(true);
    expect(Number((await readItem(client, tableName, id))?.head_until?.N)).toBeLessThanOrEqual(now());
    await send(
      releaseRequest({ tableName, key: itemKey('single', id, 0), code: 'head', now: ahead(), retentionS: 60 }),
    );
    // A plain acquire on the true clock, the moment the head let go.
    expect(await admitted(acquire(id, 'anyone', undefined, now, skew))).toBe(true);

    const left = fresh();
    await releasedWith(left, { next_ticket: 13, serving: 10, head_of: 11, head_until: now() + 60_000 });
    await send(leaveRequest({ ...target(left), now: ahead(), skewMs: skew, ticket: 11 }));
    expect(await admitted(acquire(left, 'anyone', undefined, now, skew))).toBe(true);

    // A queue started on that clock (the first ticket marks when it started) shuts nobody out either.
    const started = fresh();
    expect(await admitted(acquire(started, 'holder'))).toBe(true);
    await send(ticketRequest({ ...target(started), now: ahead(), skewMs: skew }));
    await send(
      releaseRequest({ tableName, key: itemKey('single', started, 0), code: 'holder', now: now(), retentionS: 60 }),
    );
    expect(await admitted(acquire(started, 'anyone', undefined, now, skew))).toBe(true);
  });

  test('the right of way is judged by head_until alone: a mark in the acquirer’s future shuts it out', async () => {
    // Only a heartbeat writes one, or a clock ahead by more than the allowance (the documented limit).
    const id = fresh();
    await releasedWith(id, { next_ticket: 12, serving: 11, head_of: 11, head_until: now() + 60_000 });
    expect(await admitted(acquire(id, 'anyone'))).toBe(false);
  });

  test('a Python 1.x item (no expires_ms) is judged by its whole seconds, and the right of way still holds', async () => {
    const id = fresh();
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          resource_id: { S: id },
          release_code: { S: 'py' },
          expires: { N: String(Math.floor(now() / 1000) - 2) },
          next_ticket: { N: '3' },
          serving: { N: '1' },
          head_of: { N: '2' },
          head_until: { N: String(now() + 60_000) },
        },
      }),
    );
    expect(await admitted(acquire(id, 'anyone'))).toBe(false);
    expect(await admitted(acquire(id, 'head', { kind: 'head', ticket: 2 }))).toBe(true);
  });

  test('a held lock admits nobody, head or not', async () => {
    const id = fresh();
    expect(await admitted(acquire(id, 'holder'))).toBe(true);
    await send(ticketRequest(target(id)));
    const serving = Number((await readItem(client, tableName, id))?.serving?.N);
    expect(await admitted(acquire(id, 'other'))).toBe(false);
    expect(await admitted(acquire(id, 'head', { kind: 'head', ticket: serving + 1 }))).toBe(false);
  });

  test('tickets: refused on a missing item; counted from the clock on a new or wiped queue, never handed out twice', async () => {
    const id = fresh();
    expect(await admitted(ticketRequest(target(id)))).toBe(false);
    expect(await admitted(lookRequest(target(id)))).toBe(false);
    await admitted(acquire(id, 'holder'));
    const t = now();
    const firstOut = await send(ticketRequest({ ...target(id), now: t }));
    const first = Number(firstOut.Attributes?.next_ticket?.N);
    // The first head is judged gone from the first ticket on, not from the epoch.
    expect(firstOut.Attributes?.head_until?.N).toBe(String(t));
    const second = await send(ticketRequest(target(id)));
    expect(Number(second.Attributes?.next_ticket?.N)).toBe(first + 1);
    expect(Number(second.Attributes?.serving?.N)).toBe(first - 1);
    expect(second.Attributes?.head_until?.N).toBe(String(t));
    // A Python 1.x PutItem wipes the counters; the next ticket is none handed out before.
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { resource_id: { S: id }, release_code: { S: 'py' }, expires: { N: '9999999999' } },
      }),
    );
    const after = Number((await send(ticketRequest(target(id)))).Attributes?.next_ticket?.N);
    expect(after).toBeGreaterThan(first + 1);
  });

  test('a look changes nothing that exists and returns the whole item', async () => {
    const id = fresh();
    await releasedWith(id, { next_ticket: 12, serving: 10, head_of: 11, head_until: 5 });
    const out = await send(lookRequest(target(id)));
    expect(out.Attributes).toMatchObject({ next_ticket: { N: '12' }, serving: { N: '10' }, head_until: { N: '5' } });
  });

  test('a heartbeat is admitted for the head only, and gives it the right of way', async () => {
    const id = fresh();
    await releasedWith(id, { next_ticket: 12, serving: 10 });
    const until = now() + 60_000;
    expect(await admitted(beatRequest({ ...target(id), ticket: 12, until }))).toBe(false);
    const out = await send(beatRequest({ ...target(id), ticket: 11, until }));
    expect(out.Attributes).toMatchObject({ head_of: { N: '11' }, head_until: { N: String(until) } });
    expect(await admitted(acquire(id, 'anyone'))).toBe(false);
  });

  test('the waiter behind a head skips it only when the head shows no sign of life since the cut-off', async () => {
    const id = fresh();
    const t = now();
    await releasedWith(id, { next_ticket: 13, serving: 10, head_of: 10, head_until: t - 5_000 });
    const skip = (ticket: number, goneBefore: number) =>
      admitted(skipRequest({ ...target(id), ticket, until: t + 60_000, goneBefore }));
    // Served 5 s ago: not gone by a 10 s cut-off, gone by a 1 s one; only ticket 12 (behind 11) may skip.
    expect(await skip(12, t - 10_000)).toBe(false);
    expect(await skip(13, t - 1_000)).toBe(false);
    expect(await skip(12, t - 1_000)).toBe(true);
    const item = await readItem(client, tableName, id);
    expect(item).toMatchObject({ serving: { N: '11' }, head_of: { N: '12' } });
  });

  test('a queued waiter that takes the lock out of turn marks its ticket done, once however often the write is retried', async () => {
    const id = fresh();
    await releasedWith(id, { next_ticket: 13, serving: 10 });
    const marked = acquireRequest({
      tableName,
      key: itemKey('single', id, 0),
      code: 'waiter',
      now: now(),
      durationMs: 10_000,
      skewMs: 0,
      retentionS: 60,
      owner: 'test',
      done: 12,
    });
    expect(await admitted(marked)).toBe(true);
    // A retry of the same write (its answer lost) is admitted as our own lease, and adds nothing.
    expect(await admitted(marked)).toBe(true);
    const item = await readItem(client, tableName, id);
    expect(item?.done_tickets?.NS).toEqual(['12']);
  });

  test('a pass goes over done tickets only while the queue has not moved, forgets them, and claims the right of way', async () => {
    const id = fresh();
    const until = now() + 60_000;
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          resource_id: { S: id },
          release_code: { S: 'old' },
          expires: { N: String(Math.floor(until / 1000)) },
          expires_ms: { N: String(until) },
          next_ticket: { N: '14' },
          serving: { N: '10' },
          head_until: { N: '1' },
          done_tickets: { NS: ['11', '12', '20'] },
        },
      }),
    );
    // Ticket 12 is done but 11 must be too, and the queue must be where the waiter saw it.
    expect(await admitted(passRequest({ ...target(id), ticket: 14, until, over: [11, 12, 13] }))).toBe(false);
    expect(await admitted(passRequest({ ...target(id), ticket: 13, until, over: [11, 12] }))).toBe(true);
    const item = await readItem(client, tableName, id);
    expect(item).toMatchObject({ serving: { N: '12' }, head_of: { N: '13' }, head_until: { N: String(until) } });
    expect(item?.done_tickets?.NS).toEqual(['20']);
    // The queue moved: the same pass is refused.
    expect(await admitted(passRequest({ ...target(id), ticket: 13, until, over: [11, 12] }))).toBe(false);
    // A live claim now: nobody else takes the lock once it is free.
    await send(releaseRequest({ tableName, key: itemKey('single', id, 0), code: 'old', now: now(), retentionS: 60 }));
    expect(await admitted(acquire(id, 'anyone'))).toBe(false);
    expect(await admitted(acquire(id, 'head', { kind: 'head', ticket: 13 }))).toBe(true);
  });

  test('a head that leaves is counted served at once; a waiter that is not the head cannot leave', async () => {
    const id = fresh();
    await releasedWith(id, { next_ticket: 13, serving: 10, head_of: 11, head_until: now() + 60_000 });
    expect(await admitted(leaveRequest({ ...target(id), ticket: 12 }))).toBe(false);
    expect(await admitted(leaveRequest({ ...target(id), ticket: 11 }))).toBe(true);
    expect((await readItem(client, tableName, id))?.serving?.N).toBe('11');
    // Nobody holds the right of way now: anyone may take the free lock.
    expect(await admitted(acquire(id, 'anyone'))).toBe(true);
  });
});
