import { describe, expect, test } from 'vitest';
import { itemKey, parseHolder } from '../../src/item/attributes.js';
import { refreshRequest, ticketRequest } from '../../src/item/queue-requests.js';
import {
  acquireRequest,
  extendRequest,
  forceReleaseRequest,
  releaseRequest,
  tokenBase,
} from '../../src/item/requests.js';

const base = {
  tableName: 'locks',
  key: itemKey('single', 'res', 0),
  code: 'c0de',
  now: 1_700_000_000_250,
  owner: 'host:7',
};

describe('acquireRequest', () => {
  const r = acquireRequest({ ...base, durationMs: 1_500, skewMs: 1_000, retentionS: 60 });

  test('is one conditional UpdateItem on the resource key, returning the whole old item', () => {
    expect(r.TableName).toBe('locks');
    expect(r.Key).toEqual({ resource_id: { S: 'res' } });
    expect(r.ReturnValues).toBe('ALL_OLD');
    expect(r.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
  });

  test('sets owner, both expiries, ttl, when it was acquired (and held: freed 0), and increments the token from a clock-based base', () => {
    expect(r.UpdateExpression).toBe(
      'SET #code = :code, #exp = :exp, #expms = :expms, #ttl = :ttl, #token = if_not_exists(#token, :base) + :one, #acqms = :now, #freed = :zero, #owner = :owner REMOVE #data',
    );
    expect(r.ExpressionAttributeNames).toMatchObject({ '#acqms': 'acquired_ms', '#freed': 'freed_ms' });
    expect(r.ExpressionAttributeValues?.[':now']).toEqual({ N: '1700000000250' });
    expect(r.ExpressionAttributeNames).toMatchObject({
      '#rid': 'resource_id',
      '#code': 'release_code',
      '#exp': 'expires',
      '#expms': 'expires_ms',
      '#token': 'fencing_token',
      '#ttl': 'ttl',
      '#owner': 'owner',
      '#data': 'data',
    });
    const v = r.ExpressionAttributeValues!;
    expect(v[':code']).toEqual({ S: 'c0de' });
    expect(v[':owner']).toEqual({ S: 'host:7' });
    // 1_700_000_001_750 ms: Python's whole seconds are rounded UP, never down.
    expect(v[':expms']).toEqual({ N: '1700000001750' });
    expect(v[':exp']).toEqual({ N: '1700000002' });
    expect(v[':ttl']).toEqual({ N: String(1_700_000_002 + 60) });
    expect(v[':base']).toEqual({ N: String(1_700_000_000_250 * 1000) });
    expect(v[':one']).toEqual({ N: '1' });
    expect(v[':zero']).toEqual({ N: '0' });
  });

  test('admits a missing item, our own live lease (never moved backwards), an expired lease (ms or Python seconds) judged with the skew, but not our own released marker, nor past a pending queue', () => {
    expect(r.ConditionExpression).toBe(
      'attribute_not_exists(#rid) OR (#code = :code AND #expms > :zero AND #expms <= :expms) OR (NOT #code = :code AND #expms <= :cutms AND NOT #next > #serving) OR (NOT #code = :code AND attribute_not_exists(#expms) AND #exp <= :cuts AND NOT #next > #serving)',
    );
    expect(r.ExpressionAttributeNames).toMatchObject({ '#next': 'next_ticket', '#serving': 'serving' });
    const v = r.ExpressionAttributeValues!;
    expect(v[':cutms']).toEqual({ N: String(1_700_000_000_250 - 1_000) });
    // floor((now - skew) / 1000): a Python item expiring at second s is free once s <= that.
    expect(v[':cuts']).toEqual({ N: '1699999999' });
  });

  test("writes data when given; without it, removes the previous holder's, so a new holder never shows it", () => {
    const withData = acquireRequest({ ...base, durationMs: 1_500, skewMs: 1_000, retentionS: 60, data: '{"step":1}' });
    expect(withData.UpdateExpression).toMatch(/, #owner = :owner, #data = :data$/);
    expect(withData.UpdateExpression).not.toMatch(/REMOVE/);
    expect(withData.ExpressionAttributeValues![':data']).toEqual({ S: '{"step":1}' });
    // Empty data is data (a string), not "none".
    expect(acquireRequest({ ...base, durationMs: 1, skewMs: 0, retentionS: 1, data: '' }).UpdateExpression).toMatch(
      /#data = :data$/,
    );
    expect(r.UpdateExpression).toMatch(/ REMOVE #data$/);
    expect(r.ExpressionAttributeValues![':data']).toBeUndefined();
    for (const req of [r, withData]) {
      const text = `${req.UpdateExpression} ${req.ConditionExpression}`;
      expect(new Set(text.match(/[#:][a-z]+/g))).toEqual(
        new Set([...Object.keys(req.ExpressionAttributeNames!), ...Object.keys(req.ExpressionAttributeValues!)]),
      );
    }
  });

  test('an exact-second expiry is not rounded further up', () => {
    const exact = acquireRequest({ ...base, now: 1_700_000_000_000, durationMs: 2_000, skewMs: 0, retentionS: 1 });
    expect(exact.ExpressionAttributeValues![':exp']).toEqual({ N: '1700000002' });
    expect(exact.ExpressionAttributeValues![':cuts']).toEqual({ N: '1700000000' });
  });

  test('every placeholder it uses is defined, and every one defined is used', () => {
    const text = `${r.UpdateExpression} ${r.ConditionExpression}`;
    expect(new Set(text.match(/[#:][a-z]+/g))).toEqual(
      new Set([...Object.keys(r.ExpressionAttributeNames!), ...Object.keys(r.ExpressionAttributeValues!)]),
    );
  });
});

describe('itemKey: the two key shapes', () => {
  test("a 'single' table (Python 1.x) is keyed by resource_id alone, whatever the slot", () => {
    expect(itemKey('single', 'res', 0)).toEqual({ resource_id: { S: 'res' } });
    expect(itemKey('single', 'res', 2)).toEqual({ resource_id: { S: 'res' } });
  });

  test("a 'slots' table (Python 2.x) adds the numeric sort key concurrency_id", () => {
    expect(itemKey('slots', 'res', 0)).toEqual({ resource_id: { S: 'res' }, concurrency_id: { N: '0' } });
    expect(itemKey('slots', 'res', 7)).toEqual({ resource_id: { S: 'res' }, concurrency_id: { N: '7' } });
  });

  test('every builder writes exactly the key it is given, and nothing else changes with the shape', () => {
    const slotKey = itemKey('slots', 'res', 2);
    const builders = [
      (key: typeof slotKey) => acquireRequest({ ...base, key, durationMs: 1_500, skewMs: 1_000, retentionS: 60 }),
      (key: typeof slotKey) => extendRequest({ ...base, key, durationMs: 3_000, retentionS: 10 }),
      (key: typeof slotKey) => releaseRequest({ ...base, key, retentionS: 10 }),
    ];
    for (const build of builders) {
      const single = build(base.key);
      const slots = build(slotKey);
      expect(slots.Key).toEqual({ resource_id: { S: 'res' }, concurrency_id: { N: '2' } });
      expect(single.Key).toEqual({ resource_id: { S: 'res' } });
      // Python 2.x judges a slot by `expires` in whole seconds, as 1.x did: the same condition
      // and values serve both layouts.
      expect({ ...slots, Key: undefined }).toEqual({ ...single, Key: undefined });
    }
  });
});

describe('acquireRequest without a ticket, with the grace', () => {
  const r = acquireRequest({ ...base, durationMs: 1_500, skewMs: 1_000, retentionS: 60, graceMs: 5_000 });

  test('also takes a lock free for the grace past a queue whose waiters never came, and clears that queue', () => {
    expect(r.ConditionExpression).toBe(
      'attribute_not_exists(#rid) OR (#code = :code AND #expms > :zero AND #expms <= :expms) OR (NOT #code = :code AND #expms <= :cutms AND NOT #next > #serving) OR (NOT #code = :code AND attribute_not_exists(#expms) AND #exp <= :cuts AND NOT #next > #serving) OR (NOT #code = :code AND #expms <= :gcutms AND NOT #freed > :gcutf) OR (NOT #code = :code AND attribute_not_exists(#expms) AND #exp <= :gcuts)',
    );
    expect(r.UpdateExpression).toContain(', #serving = if_not_exists(#next, :zero), #owner = :owner REMOVE #data');
    const text = `${r.UpdateExpression} ${r.ConditionExpression}`;
    expect(new Set(text.match(/[#:][a-z]+/g))).toEqual(
      new Set([...Object.keys(r.ExpressionAttributeNames!), ...Object.keys(r.ExpressionAttributeValues!)]),
    );
  });
});

describe('acquireRequest with a ticket', () => {
  const head = acquireRequest({ ...base, durationMs: 1_500, skewMs: 1_000, retentionS: 60, queue: { ticket: 7 } });
  const skip = acquireRequest({
    ...base,
    durationMs: 1_500,
    skewMs: 1_000,
    retentionS: 60,
    queue: { ticket: 7, skip: { seen: 4, graceMs: 5_000 } },
  });

  test('as the head: a free lock while serving is the ticket before ours, and serving becomes ours', () => {
    expect(head.ConditionExpression).toBe(
      'attribute_not_exists(#rid) OR (#code = :code AND #expms > :zero AND #expms <= :expms) OR (NOT #code = :code AND #expms <= :cutms AND #serving = :prev) OR (NOT #code = :code AND attribute_not_exists(#expms) AND #exp <= :cuts AND #serving = :prev)',
    );
    expect(head.UpdateExpression).toContain(', #freed = :zero, #serving = :mine, #owner = :owner REMOVE #data');
    expect(head.ExpressionAttributeValues).toMatchObject({ ':prev': { N: '6' }, ':mine': { N: '7' } });
  });

  test('skipping: a lock free (released or expired) for the grace beyond the skew, while serving is what we saw', () => {
    expect(skip.ConditionExpression).toBe(
      'attribute_not_exists(#rid) OR (#code = :code AND #expms > :zero AND #expms <= :expms) OR (NOT #code = :code AND #expms <= :gcutms AND NOT #freed > :gcutf AND #serving = :seen) OR (NOT #code = :code AND attribute_not_exists(#expms) AND #exp <= :gcuts AND #serving = :seen)',
    );
    expect(skip.ExpressionAttributeValues).toMatchObject({
      ':gcutms': { N: String(1_700_000_000_250 - 1_000 - 5_000) },
      ':gcutf': { N: String(1_700_000_000_250 - 5_000) },
      ':gcuts': { N: '1699999994' },
      ':seen': { N: '4' },
      ':mine': { N: '7' },
    });
  });

  test('placeholders match definitions in every form', () => {
    for (const r of [head, skip]) {
      const text = `${r.UpdateExpression} ${r.ConditionExpression}`;
      expect(new Set(text.match(/[#:][a-z]+/g))).toEqual(
        new Set([...Object.keys(r.ExpressionAttributeNames!), ...Object.keys(r.ExpressionAttributeValues!)]),
      );
    }
  });
});

describe('ticketRequest and refreshRequest', () => {
  const target = { tableName: 'locks', key: itemKey('single', 'res', 0) };

  test('a ticket adds one to next_ticket (serving starts at 0), only on an existing item, and returns the whole item', () => {
    const r = ticketRequest(target);
    expect(r.UpdateExpression).toBe('SET #serving = if_not_exists(#serving, :zero) ADD #next :one');
    expect(r.ConditionExpression).toBe('attribute_exists(#rid)');
    expect(r.ReturnValues).toBe('ALL_NEW');
  });

  test('a refresh changes nothing that exists, fills in wiped counters, and returns the whole item', () => {
    const r = refreshRequest(target);
    expect(r.UpdateExpression).toBe(
      'SET #serving = if_not_exists(#serving, :zero), #next = if_not_exists(#next, :zero)',
    );
    expect(r.ConditionExpression).toBe('attribute_exists(#rid)');
    expect(r.ReturnValues).toBe('ALL_NEW');
  });

  test('placeholders match definitions', () => {
    for (const r of [ticketRequest(target), refreshRequest(target)]) {
      const text = `${r.UpdateExpression} ${r.ConditionExpression}`;
      expect(new Set(text.match(/[#:][a-z]+/g))).toEqual(
        new Set([...Object.keys(r.ExpressionAttributeNames!), ...Object.keys(r.ExpressionAttributeValues!)]),
      );
    }
  });
});

describe('tokenBase', () => {
  test('is the writer clock in microseconds, an integer below 2^53 for centuries', () => {
    expect(tokenBase(1_700_000_000_250.7)).toBe(1_700_000_000_250_000);
    expect(Number.isSafeInteger(tokenBase(Date.UTC(2200, 0, 1)) + 1_000_000)).toBe(true);
  });
});

describe('extendRequest', () => {
  const r = extendRequest({ ...base, durationMs: 3_000, retentionS: 10 });

  test('pushes only the expiry fields out, conditional on our code and a held (non-released) item', () => {
    expect(r.UpdateExpression).toBe('SET #exp = :exp, #expms = :expms, #ttl = :ttl');
    // Never backwards: a delayed older renewal must not shorten the lease the server keeps.
    expect(r.ConditionExpression).toBe('#code = :code AND #expms > :zero AND #expms <= :expms');
    expect(r.ExpressionAttributeValues).toEqual({
      ':code': { S: 'c0de' },
      ':zero': { N: '0' },
      ':exp': { N: '1700000004' },
      ':expms': { N: '1700000003250' },
      ':ttl': { N: '1700000014' },
    });
    expect(r.ReturnValues).toBeUndefined();
    expect(r.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
  });

  test('placeholders match definitions', () => {
    const text = `${r.UpdateExpression} ${r.ConditionExpression}`;
    expect(new Set(text.match(/[#:][a-z]+/g))).toEqual(
      new Set([...Object.keys(r.ExpressionAttributeNames!), ...Object.keys(r.ExpressionAttributeValues!)]),
    );
  });

  test('with data (setData), writes it in the same conditional write, under the same guard; owner untouched', () => {
    const d = extendRequest({ ...base, durationMs: 3_000, retentionS: 10, data: 'phase 2' });
    expect(d.UpdateExpression).toBe('SET #exp = :exp, #expms = :expms, #ttl = :ttl, #data = :data');
    expect(d.ConditionExpression).toBe(r.ConditionExpression);
    expect(d.ExpressionAttributeValues).toEqual({ ...r.ExpressionAttributeValues, ':data': { S: 'phase 2' } });
    expect(d.ExpressionAttributeNames).toEqual({ ...r.ExpressionAttributeNames, '#data': 'data' });
    expect(d.UpdateExpression).not.toMatch(/#owner/);
  });
});

describe('releaseRequest', () => {
  const r = releaseRequest({ ...base, retentionS: 86_400 });
  const avg = releaseRequest({ ...base, retentionS: 86_400, avgHoldMs: 6_999.6 });

  test('leaves a released marker (expires 0, code and token kept, when freed) that TTL removes later', () => {
    expect(r.UpdateExpression).toBe('SET #exp = :zero, #expms = :zero, #ttl = :ttl, #freed = :now');
    expect(r.UpdateExpression).not.toMatch(/REMOVE|#token|#code =/);
    expect(r.ConditionExpression).toBe('#code = :code');
    expect(r.ExpressionAttributeValues).toEqual({
      ':code': { S: 'c0de' },
      ':zero': { N: '0' },
      ':ttl': { N: String(1_700_000_001 + 86_400) },
      ':now': { N: '1700000000250' },
    });
    expect(r.ReturnValues).toBe('ALL_NEW');
  });

  test('records the running average hold, in whole ms, when given', () => {
    expect(avg.UpdateExpression).toBe('SET #exp = :zero, #expms = :zero, #ttl = :ttl, #freed = :now, #avg = :avg');
    expect(avg.ExpressionAttributeNames?.['#avg']).toBe('avg_hold_ms');
    expect(avg.ExpressionAttributeValues?.[':avg']).toEqual({ N: '7000' });
  });

  test('placeholders match definitions', () => {
    for (const x of [r, avg]) {
      const text = `${x.UpdateExpression} ${x.ConditionExpression}`;
      expect(new Set(text.match(/[#:][a-z]+/g))).toEqual(
        new Set([...Object.keys(x.ExpressionAttributeNames!), ...Object.keys(x.ExpressionAttributeValues!)]),
      );
    }
  });
});

describe('parseHolder', () => {
  test('reads our item', () => {
    expect(
      parseHolder({
        release_code: { S: 'abc' },
        expires: { N: '1700000002' },
        expires_ms: { N: '1700000001750' },
        fencing_token: { N: '42' },
      }),
    ).toEqual({
      releaseCode: 'abc',
      expiresMs: 1_700_000_001_750,
      fencingToken: 42,
      released: false,
      owner: undefined,
      data: undefined,
    });
    expect(
      parseHolder({ release_code: { S: 'abc' }, expires_ms: { N: '5' }, owner: { S: 'w-7' }, data: { S: '' } }),
    ).toMatchObject({ owner: 'w-7', data: '' });
    // Anything but a string is no owner or data (a hand-edited item).
    expect(parseHolder({ expires_ms: { N: '5' }, owner: { N: '7' }, data: { BOOL: true } })).toMatchObject({
      owner: undefined,
      data: undefined,
    });
  });

  test('judges a Python 1.x item by its whole seconds', () => {
    expect(parseHolder({ resource_id: { S: 'r' }, release_code: { S: 'p' }, expires: { N: '1700000002' } })).toEqual({
      releaseCode: 'p',
      expiresMs: 1_700_000_002_000,
      fencingToken: undefined,
      released: false,
      owner: undefined,
      data: undefined,
    });
  });

  test('recognises a released marker, and nothing at all', () => {
    expect(parseHolder({ release_code: { S: 'x' }, expires: { N: '0' }, expires_ms: { N: '0' } })?.released).toBe(true);
    expect(parseHolder(undefined)).toBeUndefined();
    expect(parseHolder({ expires_ms: { S: 'nope' } })).toMatchObject({ expiresMs: undefined, released: false });
  });
});

describe('forceReleaseRequest', () => {
  const forced = {
    tableName: 'locks',
    key: itemKey('single', 'res', 0),
    code: 'forced-x',
    now: 1_000_500,
    retentionS: 60,
  };
  const r = forceReleaseRequest({ ...forced, heldCode: 'c0de', fencingToken: 41 });

  test('writes the released-marker shape with a fresh code, keeping the token, returning the old item', () => {
    expect(r.Key).toEqual({ resource_id: { S: 'res' } });
    expect(r.UpdateExpression).toBe('SET #exp = :zero, #expms = :zero, #code = :code, #ttl = :ttl');
    expect(r.ExpressionAttributeValues).toMatchObject({
      ':zero': { N: '0' },
      ':code': { S: 'forced-x' },
      ':ttl': { N: '1061' },
    });
    expect(r.ReturnValues).toBe('ALL_OLD');
  });

  test('releases only the holder that was read: its owner code and fencing token', () => {
    expect(r.ConditionExpression).toBe('attribute_exists(#rid) AND #code = :held AND #token = :token');
    expect(r.ExpressionAttributeValues).toMatchObject({ ':held': { S: 'c0de' }, ':token': { N: '41' } });
    // A Python 1.x item has no token: it must still have none.
    const python = forceReleaseRequest({ ...forced, heldCode: 'c0de', fencingToken: undefined });
    expect(python.ConditionExpression).toBe(
      'attribute_exists(#rid) AND #code = :held AND attribute_not_exists(#token)',
    );
    expect(python.ExpressionAttributeValues).not.toHaveProperty(':token');
  });

  test('uses every attribute name it defines (DynamoDB rejects unused ones)', () => {
    const text = `${r.UpdateExpression} ${r.ConditionExpression}`;
    for (const name of Object.keys(r.ExpressionAttributeNames ?? {})) expect(text).toContain(name);
    for (const value of Object.keys(r.ExpressionAttributeValues ?? {})) expect(text).toContain(value);
  });
});
