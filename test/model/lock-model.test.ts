import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  AbortedError,
  AlreadyAcquiredError,
  DynamoDbLock,
  LockLostError,
  LockNotAcquiredError,
} from '../../src/index.js';
import { withClock } from '../../src/runtime/test-seam.js';
import { clientFor, dynalite, freshTable } from '../support/backends.js';
import { seeded, VirtualClock } from './virtual-clock.js';

/**
 * Model-based test: random sequences of acquire / try-acquire / release / extend / abort / clock
 * advance by several lock instances on one resource, run against a real server (dynalite) with
 * a virtual clock, and checked after every step against a small reference model of the rules:
 * at most one holder, tokens strictly increasing, release only by the owner, expiry after
 * duration + skew allowance, a holder's belief never outliving its lease on the server, a free
 * lock taken by a single try only while no queued waiter holds the right of way, and a waiting
 * acquire (polling or queued) taking a free lock within the backoff's ceiling.
 *
 * `DLM_MODEL_RUNS` raises the run count (the soak does); `npm test` keeps it modest.
 */

const D = 2_000; // lease, ms
const S = 200; // clock-skew allowance, ms
const M = 400; // safety margin, ms (the default: a fifth of the lease)
const INSTANCES = 3;
const MAX_BACKOFF = 200; // the contention backoff's ceiling, ms
const MAX_POLL = 100; // maxPollInterval, ms: the queue's head looks at least this often
const RUNS = Number(process.env.DLM_MODEL_RUNS ?? 40);

type Command =
  | { readonly kind: 'try'; readonly i: number }
  | { readonly kind: 'acquire'; readonly i: number; readonly timeoutMs: number }
  | { readonly kind: 'abort'; readonly i: number; readonly afterMs: number }
  | { readonly kind: 'release'; readonly i: number }
  | { readonly kind: 'extend'; readonly i: number; readonly seconds: number | undefined }
  | { readonly kind: 'advance'; readonly ms: number };

const instance = fc.integer({ min: 0, max: INSTANCES - 1 });
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('try' as const), i: instance }),
  fc.record({ kind: fc.constant('acquire' as const), i: instance, timeoutMs: fc.integer({ min: 1, max: 3_000 }) }),
  fc.record({ kind: fc.constant('abort' as const), i: instance, afterMs: fc.integer({ min: 1, max: 3_000 }) }),
  fc.record({ kind: fc.constant('release' as const), i: instance }),
  fc.record({
    kind: fc.constant('extend' as const),
    i: instance,
    seconds: fc.option(
      fc.integer({ min: 1, max: 3_000 }).map((ms) => ms / 1000),
      { nil: undefined },
    ),
  }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 2_500 }) }),
);

/** What the server holds, in the model. */
interface ModelItem {
  owner: number;
  token: number;
  /** Lease end, virtual epoch ms; 0 once released. */
  expires: number;
}

/** What an instance believes. */
interface ModelLease {
  token: number;
  expires: number;
}

const client = clientFor(dynalite());
// One client per instance: the model is of contenders in different processes, which meet only
// in DynamoDB (instances sharing a client would also line up in the process, by design).
const clients = Array.from({ length: INSTANCES }, () => clientFor(dynalite()));
let tableName: string;
let runs = 0;
beforeAll(async () => {
  tableName = await freshTable(client, 'model');
});
afterAll(() => {
  client.destroy();
  for (const c of clients) c.destroy();
});

async function serverItem(resourceId: string) {
  const { Item } = await client.send(
    new GetItemCommand({ TableName: tableName, Key: { resource_id: { S: resourceId } }, ConsistentRead: true }),
  );
  return Item === undefined
    ? undefined
    : {
        token: Number(Item.fencing_token?.N),
        expires: Number(Item.expires_ms?.N),
        code: Item.release_code?.S,
        serving: Item.serving === undefined ? undefined : Number(Item.serving.N),
        headOf: Item.head_of === undefined ? undefined : Number(Item.head_of.N),
        headUntil: Item.head_until === undefined ? undefined : Number(Item.head_until.N),
      };
}

async function outcome<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}

async function run(commands: readonly Command[], seed: number): Promise<void> {
  const clock = new VirtualClock(seeded(seed));
  const resourceId = `model-${process.pid}-${++runs}`;
  let acquiredAt = Number.NaN;
  const locks = Array.from(
    { length: INSTANCES },
    (_, i) =>
      new DynamoDbLock(
        resourceId,
        withClock(
          {
            client: clients[i]!,
            tableName,
            duration: D / 1000,
            clockSkewAllowance: S / 1000,
            maxPollInterval: MAX_POLL / 1000,
            logger: false,
            hooks: {
              acquired: () => {
                acquiredAt = clock.now();
              },
            },
          },
          clock,
        ),
      ),
  );
  let item: ModelItem | undefined;
  const leases: (ModelLease | undefined)[] = Array.from({ length: INSTANCES }, () => undefined);
  let maxToken = 0;
  const codes = new Map<number, string>(); // token -> owner code seen on the server

  /** When the lock becomes free for a contender, by the model (virtual epoch ms). */
  const freeAt = (): number => (item === undefined || item.expires === 0 ? clock.now() : item.expires + S);
  /** Whether a queued waiter holds the right of way at `at` (its heartbeat unexpired, its ticket unserved). */
  const liveHead = async (at: number): Promise<boolean> => {
    const q = await serverItem(resourceId);
    return q?.headOf !== undefined && q.serving !== undefined && q.headOf > q.serving && (q.headUntil ?? 0) > at;
  };

  const won = (i: number, token: number | undefined, tookOver: boolean, at: number): void => {
    expect(token).toBeDefined();
    if (item !== undefined) expect(token).toBe(item.token + 1);
    expect(token!).toBeGreaterThan(maxToken);
    expect(tookOver).toBe(item !== undefined && item.expires !== 0);
    maxToken = token!;
    item = { owner: i, token: token!, expires: at + D };
    leases[i] = { token: token!, expires: at + D };
  };

  /**
   * A blocking acquire's result, judged against when the lock became free: taken within the
   * backoff's ceiling of that (the contract's bounded idle, for one waiter), or not at all before
   * the limit.
   */
  const judgeWait = (
    i: number,
    result: { ok: true; value: boolean } | { ok: false; error: unknown },
    start: number,
    free: number,
    limit: number,
    abort: boolean,
  ): void => {
    if (result.ok && result.value) {
      expect(acquiredAt).toBeGreaterThanOrEqual(free);
      if (free <= start) expect(acquiredAt).toBe(start);
      else expect(acquiredAt).toBeLessThan(free + MAX_BACKOFF);
      expect(acquiredAt).toBeLessThanOrEqual(limit);
      won(i, locks[i]!.fencingToken, locks[i]!.tookOver, acquiredAt);
    } else if (result.ok) {
      // Timed out: only if the lock was not free long enough before the deadline to be seen free.
      expect(abort).toBe(false);
      expect(free).toBeGreaterThan(limit - MAX_BACKOFF);
    } else {
      expect(abort).toBe(true);
      expect(result.error).toBeInstanceOf(AbortedError);
      expect(free).toBeGreaterThan(limit - MAX_BACKOFF);
    }
  };

  for (const c of commands) {
    if (c.kind === 'advance') {
      clock.advance(c.ms);
    } else {
      const lock = locks[c.i]!;
      const lease = leases[c.i];
      const start = clock.now();
      if (c.kind === 'try' || c.kind === 'acquire' || c.kind === 'abort') {
        if (lease !== undefined) {
          await expect(lock.acquire({ blocking: false })).rejects.toBeInstanceOf(AlreadyAcquiredError);
        } else if (c.kind === 'try') {
          // Free, and no queued waiter holds the right of way.
          const expected = freeAt() <= start && !(await liveHead(start));
          expect(await lock.acquire({ blocking: false })).toBe(expected);
          if (expected) won(c.i, lock.fencingToken, lock.tookOver, start);
        } else if (c.kind === 'acquire') {
          const free = freeAt();
          const result = await outcome(lock.acquire({ timeout: c.timeoutMs / 1000 }));
          judgeWait(c.i, result, start, free, start + c.timeoutMs, false);
        } else {
          const free = freeAt();
          const controller = new AbortController();
          const cancel = clock.setTimer(c.afterMs, () => controller.abort());
          const result = await outcome(lock.acquire({ signal: controller.signal }));
          cancel();
          judgeWait(c.i, result, start, free, start + c.afterMs, true);
        }
      } else if (c.kind === 'release') {
        if (lease === undefined) {
          await expect(lock.release()).rejects.toBeInstanceOf(LockNotAcquiredError);
        } else {
          const result = await outcome(lock.release());
          leases[c.i] = undefined;
          if (item?.owner === c.i && item.token === lease.token) {
            // Still ours on the server: the release is written; it reports a lease that ran out.
            item.expires = 0;
            if (start >= lease.expires) expect(result).toMatchObject({ ok: false, error: { reason: 'expired' } });
            else expect(result.ok).toBe(true);
          } else {
            // Taken by another: release only by the owner, so nothing is written.
            expect(result.ok).toBe(false);
            expect((result as { error: unknown }).error).toBeInstanceOf(LockLostError);
          }
        }
      } else {
        if (lease === undefined) {
          await expect(lock.extend(c.seconds)).rejects.toBeInstanceOf(LockNotAcquiredError);
        } else {
          const result = await outcome(lock.extend(c.seconds));
          if (start >= lease.expires - M) {
            // Already reported lost: no write, the lease stays lost.
            expect((result as { error: unknown }).error).toBeInstanceOf(LockLostError);
          } else {
            expect(result.ok).toBe(true);
            expect(item?.owner).toBe(c.i);
            // extend() never shortens a lease: the end only moves out. The holder believes in its
            // own clock's end; the server keeps what was asked, and every write of a lease asks
            // for a later end than the one before (LeaseEnd.nextEnd), by 1 ms at least.
            const asked = start + (c.seconds === undefined ? D : Math.round(c.seconds * 1000));
            lease.expires = Math.max(lease.expires, asked);
            item!.expires = Math.max(item!.expires + 1, asked);
          }
        }
      }
    }

    // --- invariants after every step ------------------------------------------------------
    clock.advance(0); // timers already due run, as zero-delay timers do on the next tick
    const now = clock.now();
    const held = locks.map((l) => l.locked());
    expect(held.filter(Boolean).length).toBeLessThanOrEqual(1);
    const server = await serverItem(resourceId);
    for (let i = 0; i < INSTANCES; i++) {
      const lease = leases[i];
      const believes = lease !== undefined && now < lease.expires - M;
      expect(held[i]).toBe(believes);
      if (lease !== undefined) expect(locks[i]!.signal.aborted).toBe(!believes);
      if (believes) {
        // The belief is backed by the server: our token, and a lease end still ahead.
        expect(item?.owner).toBe(i);
        expect(server?.token).toBe(lease.token);
        expect(server!.expires).toBeGreaterThan(now);
      }
    }
    if (item === undefined) {
      expect(server).toBeUndefined();
    } else {
      expect(server?.token).toBe(item.token);
      expect(server?.expires).toBe(item.expires);
      // One owner code per token: nobody rewrote another's acquisition.
      const code = codes.get(item.token);
      if (code === undefined) codes.set(item.token, server!.code!);
      else expect(server!.code).toBe(code);
    }
  }

  // Clean up: every held instance releases; then no timer of any lease is left behind.
  for (const lock of locks) await lock[Symbol.asyncDispose]().catch(() => undefined);
  expect(locks.some((l) => l.locked())).toBe(false);
  expect(clock.pendingTimers).toBe(0);
}

test(
  'random operation sequences follow the reference model on a real server',
  async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 20 }), fc.integer(), (commands, seed) =>
        run(commands, seed),
      ),
      {
        numRuns: RUNS,
        ...(process.env.DLM_MODEL_SEED === undefined ? {} : { seed: Number(process.env.DLM_MODEL_SEED) }),
      },
    );
  },
  Math.max(60_000, RUNS * 3_000),
);
