import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  AbortedError,
  AlreadyAcquiredError,
  DynamoDbLock,
  defaults,
  LockLostError,
  LockNotAcquiredError,
  type LockOptions,
  resetDefaults,
  UnreachableError,
} from '../../src/index.js';
import { backends, clientFor, freshTable, readItem } from '../support/backends.js';
import { FaultInjector } from '../support/faults.js';
import { delay, recordingLogger } from './helpers.js';

let ids = 0;
const fresh = (what: string) => `${what}-${++ids}`;

const item = readItem;

describe.each(backends())('DynamoDbLock on $name', (backend) => {
  const faults = new FaultInjector();
  const client = clientFor(backend, { requestHandler: faults.handler });
  let tableName: string;
  const make = (id: string, options: LockOptions = {}) =>
    new DynamoDbLock(id, { client, tableName, logger: false, ...options });

  beforeAll(async () => {
    tableName = await freshTable(client);
  });
  afterEach(() => {
    faults.clear();
    resetDefaults();
  });
  afterAll(() => client.destroy());

  test('a blocking acquire waits for the holder to release, then gets the next token', async () => {
    const id = fresh('blocking');
    const a = make(id);
    const b = make(id);
    expect(await a.acquire()).toBe(true);
    let bGot = false;
    const waiting = b.acquire().then((r) => {
      bGot = r;
    });
    await delay(300);
    expect(bGot).toBe(false);
    await a.release();
    await waiting;
    expect(bGot).toBe(true);
    expect(b.fencingToken).toBe(a.fencingToken! + 1);
    expect(b.tookOver).toBe(false);
    await b.release();
  });

  test('non-blocking: false at once while held, true once released', async () => {
    const id = fresh('try');
    const a = make(id);
    const b = make(id);
    await a.acquire();
    const before = faults.count('UpdateItem');
    expect(await b.acquire({ blocking: false })).toBe(false);
    expect(faults.count('UpdateItem') - before).toBe(1);
    expect(b.locked()).toBe(false);
    await a.release();
    expect(await b.acquire({ blocking: false })).toBe(true);
    await b.release();
  });

  test('timeout: false after about that long, the instance holds nothing and can acquire later', async () => {
    const id = fresh('timeout');
    const a = make(id);
    const b = make(id);
    await a.acquire();
    const started = performance.now();
    expect(await b.acquire({ timeout: 0.4 })).toBe(false);
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    expect(b.locked()).toBe(false);
    await a.release();
    expect(await b.acquire({ timeout: 2 })).toBe(true);
    await b.release();
  });

  test('abort: rejects promptly with AbortedError; nothing is left held, so another instance acquires at once', async () => {
    const id = fresh('abort');
    const a = make(id);
    const b = make(id);
    const c = make(id);
    await a.acquire();
    const controller = new AbortController();
    const waiting = b.acquire({ signal: controller.signal });
    await delay(200);
    await a.release();
    // b may or may not have won the race with the release; abort now either way.
    controller.abort();
    const outcome = await waiting.then(
      () => 'acquired',
      (e: unknown) => e,
    );
    if (outcome === 'acquired') {
      await b.release();
    } else {
      expect(outcome).toBeInstanceOf(AbortedError);
      expect(b.locked()).toBe(false);
    }
    expect(await c.acquire({ blocking: false })).toBe(true);
    await c.release();

    // An abort that lands while the write is in flight (kept in flight by a delay) leaves nothing held.
    faults.inject({ kind: 'delay', ms: 300 }, { operation: 'UpdateItem' });
    const inFlight = new AbortController();
    const started = performance.now();
    const pending = b.acquire({ signal: inFlight.signal });
    await delay(50);
    inFlight.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await c.acquire({ blocking: false })).toBe(true);
    await c.release();
    // And b itself is usable.
    expect(await b.acquire({ blocking: false })).toBe(true);
    await b.release();
  });

  test('timeout bounds a hung request: applied but unanswered, it is cut off at the deadline and cleared', async () => {
    const id = fresh('hung');
    const lock = make(id, { duration: 30 });
    faults.inject({ kind: 'timeout', applied: true }, { operation: 'UpdateItem' });
    const started = performance.now();
    // Nothing answered this acquire, and its one write went unanswered for longer than
    // SILENCE_EVIDENCE_MS (1 s): it cannot say the lock is busy. (A shorter timeout, through this
    // client that DynamoDB has answered before, is a plain timeout: test/unit/contact.test.ts.)
    await expect(lock.acquire({ timeout: 1.5 })).rejects.toBeInstanceOf(UnreachableError);
    expect(performance.now() - started).toBeLessThan(4_000);
    // The write did land (a 30 s lease); the lock released it rather than leave it held.
    const other = make(id);
    expect(await other.acquire({ blocking: false })).toBe(true);
    expect(other.tookOver).toBe(false);
    await other.release();
  });

  test('expiry takeover: a holder that never releases is taken over after its lease (+ skew), tookOver true', async () => {
    const id = fresh('expiry');
    const crashed = make(id, { duration: 0.5 });
    const taker = make(id, { clockSkewAllowance: 0.2 });
    await crashed.acquire();
    expect(await taker.acquire({ blocking: false })).toBe(false);
    const started = performance.now();
    expect(await taker.acquire({ timeout: 5 })).toBe(true);
    // Not before the lease's end plus the allowance (the crashed lease began before `started`).
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    expect(taker.tookOver).toBe(true);
    expect(taker.fencingToken).toBe(crashed.fencingToken! + 1);
    expect(crashed.signal.aborted).toBe(true);
    await taker.release();
    // The old holder learns at release that it was not protected.
    await expect(crashed.release()).rejects.toBeInstanceOf(LockLostError);
    // A takeover of a released marker is not a takeover.
    const next = make(id);
    await next.acquire();
    expect(next.tookOver).toBe(false);
    await next.release();
  });

  test('release after loss: another took the expired lease => WARNING and LockLostError (taken)', async () => {
    const id = fresh('release-after-loss');
    const log = recordingLogger();
    const old = make(id, { duration: 0.3, logger: log });
    const other = make(id, { clockSkewAllowance: 0 });
    await old.acquire();
    expect(await other.acquire({ timeout: 3 })).toBe(true);
    const error = await old.release().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockLostError);
    expect((error as LockLostError).code).toBe('LOCK_LOST');
    expect(log.warnings().some((w) => /expired and was taken by another owner/.test(w))).toBe(true);
    // The other holder is untouched.
    expect(other.locked()).toBe(true);
    expect((await item(client, tableName, id))?.release_code).toEqual({
      S: expect.not.stringMatching(/^$/),
    });
    await other.release();
    // The instance that lost is usable again.
    expect(await old.acquire({ blocking: false })).toBe(true);
    await old.release();
  });

  test('acquiring twice is AlreadyAcquiredError; releasing an unheld lock is LockNotAcquiredError', async () => {
    const id = fresh('misuse');
    const a = make(id);
    await expect(a.release()).rejects.toBeInstanceOf(LockNotAcquiredError);
    await a.acquire();
    await expect(a.acquire()).rejects.toBeInstanceOf(AlreadyAcquiredError);
    await expect(a.acquire({ blocking: false })).rejects.toMatchObject({ code: 'ALREADY_ACQUIRED' });
    expect(a.locked()).toBe(true);
    await a.release();
    await expect(a.release()).rejects.toMatchObject({ code: 'LOCK_NOT_ACQUIRED' });
  });

  test('`await using` releases on scope exit, and disposing an unheld lock does nothing', async () => {
    const id = fresh('using');
    let token: number | undefined;
    {
      await using lock = make(id);
      await lock.acquire();
      token = lock.fencingToken;
      expect(lock.locked()).toBe(true);
    }
    {
      await using unheld = make(id);
      expect(unheld.locked()).toBe(false);
    }
    const next = make(id);
    expect(await next.acquire({ blocking: false })).toBe(true);
    expect(next.fencingToken).toBe(token! + 1);
    await next.release();
    // A throw inside the scope still releases.
    await expect(
      (async () => {
        await using lock = make(id);
        await lock.acquire();
        throw new Error('work failed');
      })(),
    ).rejects.toThrow('work failed');
    expect(await next.acquire({ blocking: false })).toBe(true);
    await next.release();
  });

  test('module defaults take effect: tableName and duration set on `defaults`', async () => {
    const other = await freshTable(client, 'deflt');
    defaults.tableName = other;
    defaults.duration = 0.5;
    const id = fresh('defaults');
    const lock = new DynamoDbLock(id, { client, logger: false });
    expect(lock.tableName).toBe(other);
    expect(lock.duration).toBe(0.5);
    const before = Date.now();
    await lock.acquire();
    const stored = await item(client, other, id);
    expect(Number(stored?.expires_ms?.N)).toBeGreaterThanOrEqual(before + 500);
    expect(Number(stored?.expires_ms?.N)).toBeLessThan(Date.now() + 500 + 50);
    expect(await item(client, tableName, id)).toBeUndefined();
    await lock.release();
    resetDefaults();
    expect(new DynamoDbLock(id, { client }).tableName).toBe('dynamo_dlm_locks');
  });

  test('the lock path sends only UpdateItem: never GetItem, Query or Scan', async () => {
    const id = fresh('ops');
    const start = faults.requests.length;
    const a = make(id, { duration: 1, autoRenew: true });
    const b = make(id, { duration: 1 });
    await a.acquire();
    expect(await b.acquire({ blocking: false })).toBe(false);
    expect(await b.acquire({ timeout: 0.3 })).toBe(false);
    await delay(500); // at least one renewal
    await a.extend();
    await a.release();
    await b.acquire();
    await b.release();
    const seen = faults.requests.slice(start);
    expect(new Set(seen.map((r) => r.operation))).toEqual(new Set(['UpdateItem']));
    // acquire, >=1 contended try, renewal(s), extend, release, acquire, release.
    expect(seen.length).toBeGreaterThanOrEqual(7);
    expect(seen.every((r) => typeof r.body.ConditionExpression === 'string')).toBe(true);
  });

  test('fencing tokens strictly increase over release/re-acquire and expiry takeover', async () => {
    const id = fresh('tokens');
    const tokens: number[] = [];
    const a = make(id, { duration: 0.3 });
    const b = make(id, { duration: 0.3, clockSkewAllowance: 0 });
    for (let i = 0; i < 5; i++) {
      const lock = i % 2 === 0 ? a : b;
      await lock.acquire();
      tokens.push(lock.fencingToken!);
      await lock.release();
    }
    // Takeover: a never releases, b takes it over once expired.
    await a.acquire();
    tokens.push(a.fencingToken!);
    await b.acquire({ timeout: 3 });
    expect(b.tookOver).toBe(true);
    tokens.push(b.fencingToken!);
    await b.release();
    await expect(a.release()).rejects.toBeInstanceOf(LockLostError);
    await a.acquire();
    tokens.push(a.fencingToken!);
    await a.release();
    for (let i = 1; i < tokens.length; i++) expect(tokens[i]).toBeGreaterThan(tokens[i - 1]!);
    expect(tokens.every(Number.isSafeInteger)).toBe(true);
  });

  test('extend() pushes the lease end out, and fails with LockLostError once the lease was taken', async () => {
    const id = fresh('extend');
    const a = make(id, { duration: 0.6 });
    const b = make(id, { clockSkewAllowance: 0 });
    await a.acquire();
    const first = a.expiresAt!.getTime();
    await a.extend(1.5);
    expect(a.expiresAt!.getTime()).toBeGreaterThan(first + 800);
    const stored = await item(client, tableName, id);
    expect(Number(stored?.expires_ms?.N)).toBe(a.expiresAt!.getTime());
    expect(Number(stored?.expires?.N)).toBe(Math.ceil(a.expiresAt!.getTime() / 1000));
    // Past the original lease but within the extension: still exclusive.
    await delay(800);
    expect(await b.acquire({ blocking: false })).toBe(false);
    expect(a.locked()).toBe(true);
    // Let it expire and be taken.
    expect(await b.acquire({ timeout: 3 })).toBe(true);
    // Lost: 'expired' when its own clock saw the lease run out first, 'taken' when the write found another owner.
    const lost = await a.extend().catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(LockLostError);
    expect(['expired', 'taken']).toContain((lost as LockLostError).reason);
    expect(a.signal.aborted).toBe(true);
    await b.release();
    await expect(a.release()).rejects.toBeInstanceOf(LockLostError);
  });

  test('hooks fire with sensible payloads', async () => {
    const id = fresh('hooks');
    const events: { name: string; event: Record<string, unknown> }[] = [];
    const record = (name: string) => (event: unknown) => events.push({ name, event: event as Record<string, unknown> });
    const hooks = Object.fromEntries(
      ['acquired', 'contended', 'throttled', 'extended', 'lost', 'released'].map((n) => [n, record(n)]),
    );
    // Long enough that the retry after the throttled first attempt still finds it held on a
    // loaded machine (0.4 s was sometimes over before the retry was sent).
    const holder = make(id, { duration: 1.5 });
    const lock = make(id, { hooks, clockSkewAllowance: 0, duration: 1 });
    await holder.acquire();
    faults.inject({ kind: 'throttle' }, { operation: 'UpdateItem' });
    await lock.acquire({ timeout: 5 });
    await lock.extend();
    await lock.release();
    const names = events.map((e) => e.name);
    expect(names[0]).toBe('throttled');
    expect(names).toContain('contended');
    expect(names.slice(-3)).toEqual(['acquired', 'extended', 'released']);
    const by = (n: string) => events.find((e) => e.name === n)!.event;
    expect(by('throttled')).toMatchObject({ resourceId: id, operation: 'acquire', attempt: 1 });
    expect(by('contended')).toMatchObject({ resourceId: id, attempt: expect.any(Number) });
    expect(by('contended').delayMs).toBeGreaterThanOrEqual(0);
    if (backend.returnsHolder) expect(by('contended').holderExpiresAt).toEqual(expect.any(Date));
    expect(by('acquired')).toMatchObject({
      resourceId: id,
      fencingToken: lock.fencingToken,
      tookOver: true,
      attempts: names.filter((n) => n === 'contended' || n === 'throttled').length + 1,
    });
    expect(by('acquired').waitMs).toBeGreaterThan(0);
    expect(by('extended')).toMatchObject({ resourceId: id, automatic: false, expiresAt: expect.any(Date) });
    expect(by('released')).toMatchObject({ resourceId: id, fencingToken: lock.fencingToken });
    expect(by('released').heldMs).toBeGreaterThanOrEqual(0);
    await expect(holder.release()).rejects.toBeInstanceOf(LockLostError);
  });
});
