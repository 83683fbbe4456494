import { describe, expect, test } from 'vitest';
import { itemKey, parseHolder } from '../../src/item/attributes.js';
import {
  beatRequest,
  leaveRequest,
  lookRequest,
  PASS_LIMIT,
  passRequest,
  pastMark,
  skipRequest,
  ticketBase,
  ticketRequest,
} from '../../src/item/queue-requests.js';
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

  // What the condition admits is proven on the servers (test/integration/queue-requests.test.ts);
  // here only the values it is built from.
  test('judges expiry by the acquirer clock less the skew allowance, in ms and in Python whole seconds', () => {
    const v = r.ExpressionAttributeValues!;
    expect(v[':cutoffMs']).toEqual({ N: String(1_700_000_000_250 - 1_000) });
    // floor((now - skew) / 1000): a Python item expiring at second s is free once s <= that.
    expect(v[':cutoffS']).toEqual({ N: '1699999999' });
    expect(r.ExpressionAttributeNames).toMatchObject({ '#headUntil': 'head_until' });
  });

  test('asks one thing of the queue: that no heartbeat lasts past the acquirer’s now', () => {
    expect(r.ConditionExpression?.match(/NOT #headUntil > :now/g)).toHaveLength(2);
    // One comparison: dynalite parses the whole condition on every try.
    expect(r.ConditionExpression).not.toContain('#headOf');
    expect(r.ConditionExpression).not.toContain('#serving');
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
      expect(new Set(text.match(/[#:][A-Za-z]+/g))).toEqual(
        new Set([...Object.keys(req.ExpressionAttributeNames!), ...Object.keys(req.ExpressionAttributeValues!)]),
      );
    }
  });

  test('an exact-second expiry is not rounded further up', () => {
    const exact = acquireRequest({ ...base, now: 1_700_000_000_000, durationMs: 2_000, skewMs: 0, retentionS: 1 });
    expect(exact.ExpressionAttributeValues![':exp']).toEqual({ N: '1700000002' });
    expect(exact.ExpressionAttributeValues![':cutoffS']).toEqual({ N: '1700000000' });
  });

  test('every placeholder it uses is defined, and every one defined is used', () => {
    const text = `${r.UpdateExpression} ${r.ConditionExpression}`;
    expect(new Set(text.match(/[#:][A-Za-z]+/g))).toEqual(
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

describe('acquireRequest as the head of the queue', () => {
  const head = acquireRequest({
    ...base,
    durationMs: 1_500,
    skewMs: 1_000,
    retentionS: 60,
    claim: { kind: 'head', ticket: 7 },
  });

  test('asks for the ticket before its own, and records itself served, and when', () => {
    expect(head.ExpressionAttributeValues).toMatchObject({
      ':ticketBefore': { N: '6' },
      ':ticket': { N: '7' },
      // Served when, marked one skew allowance back: a clock that runs ahead leaves no mark in
      // another's future, which a plain acquire would read as a live heartbeat.
      ':mark': { N: String(1_700_000_000_250 - 1_000) },
    });
    expect(head.UpdateExpression).toContain('#serving = :ticket, #headOf = :ticket, #headUntil = :mark');
    // The queue's SET items come before the holder's clauses, which end in a REMOVE.
    expect(head.UpdateExpression).toMatch(/#headUntil = :mark, #owner = :owner REMOVE #data$/);
  });

  test('placeholders match definitions', () => {
    const text = `${head.UpdateExpression} ${head.ConditionExpression}`;
    expect(new Set(text.match(/[#:][A-Za-z]+/g))).toEqual(
      new Set([...Object.keys(head.ExpressionAttributeNames!), ...Object.keys(head.ExpressionAttributeValues!)]),
    );
  });
});

describe('the queue writes', () => {
  const target = { tableName: 'locks', key: itemKey('single', 'res', 0), now: 1_700_000_000_250, skewMs: 1_000 };
  const all = {
    ticket: ticketRequest(target),
    look: lookRequest(target),
    beat: beatRequest({ ...target, ticket: 7, until: 1_700_000_002_500 }),
    skip: skipRequest({ ...target, ticket: 7, until: 1_700_000_002_500, goneBefore: 1_699_999_993_250 }),
    leave: leaveRequest({ ...target, ticket: 7 }),
  };

  test('a queue (re)started counts from the writer clock in microseconds, so no ticket is handed out twice', () => {
    expect(ticketBase(1_700_000_000_250)).toBe(1_700_000_000_250_000);
    expect(all.ticket.ExpressionAttributeValues?.[':base']).toEqual({ N: '1700000000250000' });
    expect(all.look.ExpressionAttributeValues?.[':base']).toEqual({ N: '1700000000250000' });
  });

  test('those that inform return the whole item; the head’s also the item that refused them', () => {
    for (const r of [all.ticket, all.look, all.beat, all.skip]) expect(r.ReturnValues).toBe('ALL_NEW');
    for (const r of [all.beat, all.skip]) expect(r.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
  });

  test('none of them touches the lease', () => {
    for (const r of Object.values(all)) {
      expect(Object.values(r.ExpressionAttributeNames ?? {})).not.toEqual(
        expect.arrayContaining([expect.stringMatching(/^(release_code|expires|expires_ms|fencing_token|ttl)$/)]),
      );
    }
  });

  test('the head’s writes carry its ticket and the one before; the skip the one before that and the cut-off', () => {
    expect(all.beat.ExpressionAttributeValues).toMatchObject({
      ':ticket': { N: '7' },
      ':ticketBefore': { N: '6' },
      ':until': { N: '1700000002500' },
    });
    expect(all.skip.ExpressionAttributeValues).toMatchObject({
      ':headBefore': { N: '5' },
      ':goneBefore': { N: '1699999993250' },
    });
    expect(all.leave.ExpressionAttributeValues).toMatchObject({
      ':ticket': { N: '7' },
      ':mark': { N: '1699999999250' },
    });
  });

  test('those that leave nobody the right of way mark head_until one skew allowance back', () => {
    expect(pastMark(1_700_000_000_250, 1_000)).toBe(1_699_999_999_250);
    expect(all.ticket.UpdateExpression).toContain('#headUntil = if_not_exists(#headUntil, :mark)');
    expect(all.ticket.ExpressionAttributeValues?.[':mark']).toEqual({ N: '1699999999250' });
    expect(all.leave.UpdateExpression).toContain('#headUntil = :mark');
  });

  test('placeholders match definitions', () => {
    for (const r of Object.values(all)) {
      const text = `${r.UpdateExpression} ${r.ConditionExpression}`;
      expect(new Set(text.match(/[#:][A-Za-z]+/g))).toEqual(
        new Set([...Object.keys(r.ExpressionAttributeNames!), ...Object.keys(r.ExpressionAttributeValues!)]),
      );
    }
  });
});

describe('done tickets', () => {
  const target = { tableName: 'locks', key: itemKey('single', 'res', 0), now: 1_700_000_000_250 };

  test('a plain acquire by a queued waiter marks its ticket done in the same write; the head’s does not', () => {
    const plain = acquireRequest({ ...base, durationMs: 1_500, skewMs: 1_000, retentionS: 60, done: 13 });
    expect(plain.UpdateExpression).toMatch(/ ADD #done :done$/);
    expect(plain.ExpressionAttributeValues?.[':done']).toEqual({ NS: ['13'] });
    expect(plain.ExpressionAttributeNames?.['#done']).toBe('done_tickets');
    const head = acquireRequest({
      ...base,
      durationMs: 1_500,
      skewMs: 1_000,
      retentionS: 60,
      done: 13,
      claim: { kind: 'head', ticket: 13 },
    });
    expect(head.UpdateExpression).not.toContain('#done');
    expect(
      acquireRequest({ ...base, durationMs: 1_500, skewMs: 1_000, retentionS: 60 }).UpdateExpression,
    ).not.toContain('#done');
  });

  test('a pass goes over the done tickets after serving, only if the queue did not move, and forgets them', () => {
    const pass = passRequest({ ...target, ticket: 13, until: 1_700_000_002_500, over: [11, 12] });
    expect(pass.ConditionExpression).toBe('#serving = :seen AND contains(#done, :o0) AND contains(#done, :o1)');
    expect(pass.UpdateExpression).toBe(
      'SET #serving = :last, #headOf = :ticket, #headUntil = :until DELETE #done :over',
    );
    expect(pass.ExpressionAttributeValues).toMatchObject({
      ':seen': { N: '10' },
      ':last': { N: '12' },
      ':over': { NS: ['11', '12'] },
      ':ticket': { N: '13' },
    });
    expect(pass.ReturnValues).toBe('ALL_NEW');
  });

  test('a long run of them is passed a bounded number at a time, claiming nothing until the last', () => {
    const over = Array.from({ length: PASS_LIMIT + 4 }, (_, i) => 11 + i);
    const pass = passRequest({ ...target, ticket: 11 + over.length, until: 1, over });
    expect(pass.ConditionExpression?.match(/contains/g)).toHaveLength(PASS_LIMIT);
    expect(pass.UpdateExpression).toBe('SET #serving = :last DELETE #done :over');
    expect(pass.ExpressionAttributeValues?.[':last']).toEqual({ N: String(10 + PASS_LIMIT) });
  });

  test('placeholders match definitions', () => {
    for (const r of [
      passRequest({ ...target, ticket: 13, until: 1, over: [11, 12] }),
      passRequest({ ...target, ticket: 40, until: 1, over: Array.from({ length: 29 }, (_, i) => 11 + i) }),
      acquireRequest({ ...base, durationMs: 1, skewMs: 0, retentionS: 1, done: 13 }),
    ]) {
      const text = `${r.UpdateExpression} ${r.ConditionExpression}`;
      expect(new Set(text.match(/[#:][A-Za-z0-9]+/g))).toEqual(
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
    expect(new Set(text.match(/[#:][A-Za-z]+/g))).toEqual(
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
  const avg = releaseRequest({ ...base, retentionS: 86_400, hold: { avgHoldMs: 6_999.6, lastHoldMs: 12.4 } });

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

  test('records the running average hold and the hold it ends, in whole ms, when given', () => {
    expect(avg.UpdateExpression).toBe(
      'SET #exp = :zero, #expms = :zero, #ttl = :ttl, #freed = :now, #avg = :avg, #last = :last',
    );
    expect(avg.ExpressionAttributeNames).toMatchObject({ '#avg': 'avg_hold_ms', '#last': 'last_hold_ms' });
    expect(avg.ExpressionAttributeValues).toMatchObject({ ':avg': { N: '7000' }, ':last': { N: '12' } });
  });

  test('placeholders match definitions', () => {
    for (const x of [r, avg]) {
      const text = `${x.UpdateExpression} ${x.ConditionExpression}`;
      expect(new Set(text.match(/[#:][A-Za-z]+/g))).toEqual(
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

  test('writes the released-marker shape with a fresh code and when it was freed, keeping the token, returning the old item', () => {
    expect(r.Key).toEqual({ resource_id: { S: 'res' } });
    // `freed_ms` is the time of the forced release, as for any release (not 0, "free since 1970").
    expect(r.UpdateExpression).toBe('SET #exp = :zero, #expms = :zero, #code = :code, #ttl = :ttl, #freed = :now');
    expect(r.ExpressionAttributeNames?.['#freed']).toBe('freed_ms');
    expect(r.ExpressionAttributeValues?.[':now']).toEqual({ N: '1000500' });
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
