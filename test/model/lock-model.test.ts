import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { graceMs, JOIN_AFTER_MS } from '../../src/acquire/wait-policy.js';
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
 * duration + skew allowance, and a holder's belief never outliving its lease on the server.
 *
 * `DLM_MODEL_RUNS` raises the run count (the soak does); `npm test` keeps it modest.
 */

const D = 2_000; // lease, ms
const S = 200; // clock-skew allowance, ms
const M = 400; // safety margin, ms (the default: a fifth of the lease)
const INSTANCES = 3;
const MAX_BACKOFF = 200; // the contention backoff's ceiling, ms
const MAX_POLL = 100; // maxPollInterval, ms
const G = graceMs({ maxPollMs: MAX_POLL, skewMs: S }); // after which dead tickets are skipped
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
  /** When it was released, virtual epoch ms. */
  freedAt?: number;
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
        nextTicket: Item.next_ticket === undefined ? undefined : Number(Item.next_ticket.N),
        serving: Item.serving === undefined ? undefined : Number(Item.serving.N),
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
  /** Since when it has been free (released, or its lease run out), by the model. */
  const freeSince = (): number =>
    item === undefined ? Number.NEGATIVE_INFINITY : item.expires === 0 ? (item.freedAt ?? 0) : item.expires + S;

  /** Whether a queue has ever formed on the item (its counters stay). */
  const queueMet = async (): Promise<boolean> => (await serverItem(resourceId))?.nextTicket !== undefined;

  const won = (i: number, token: number | undefined, tookOver: boolean, at: number): void => {
    expect(token).toBeDefined();
    if (item !== undefined) expect(token).toBe(item.token + 1);
    expect(token!).toBeGreaterThan(maxToken);
    expect(tookOver).toBe(item !== undefined && item.expires !== 0);
    maxToken = token!;
    item = { owner: i, token: token!, expires: at + D };
    leases[i] = { token: token!, expires: at + D };
  };

  /** A blocking acquire's result, judged against when the lock became free. */
  const judgeWait = (
    i: number,
    result: { ok: true; value: boolean } | { ok: false; error: unknown },
    start: number,
    free: number,
    limit: number,
    abort: boolean,
    queue: boolean,
  ): void => {
    if (result.ok && result.value) {
      expect(acquiredAt).toBeGreaterThanOrEqual(free);
      // A waiter that met a queue (or waited long enough to join one) is served in its turn,
      // timed by the queue's rules; only a plain poller is bound to its backoff.
      if (queue) expect(acquiredAt).toBeGreaterThanOrEqual(free);
      else if (free <= start) expect(acquiredAt).toBe(start);
      else expect(acquiredAt).toBeLessThan(free + MAX_BACKOFF);
      expect(acquiredAt).toBeLessThanOrEqual(limit);
      won(i, locks[i]!.fencingToken, locks[i]!.tookOver, acquiredAt);
    } else if (result.ok) {
      // Timed out: only if the lock was still held at the deadline (the last try is at it).
      expect(abort).toBe(false);
      if (!queue) expect(free).toBeGreaterThan(limit);
    } else {
      expect(abort).toBe(true);
      expect(result.error).toBeInstanceOf(AbortedError);
      if (!queue) expect(free).toBeGreaterThan(limit - MAX_BACKOFF);
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
          // Free, and no queue pending, or one whose waiters left it free for the grace.
          const q = await serverItem(resourceId);
          const pending = q?.nextTicket !== undefined && q.serving !== undefined && q.nextTicket > q.serving;
          const expected = freeAt() <= start && (!pending || freeSince() <= start - G);
          expect(await lock.acquire({ blocking: false })).toBe(expected);
          if (expected) won(c.i, lock.fencingToken, lock.tookOver, start);
        } else if (c.kind === 'acquire') {
          const free = freeAt();
          const queue = (await queueMet()) || free - start >= JOIN_AFTER_MS - MAX_BACKOFF;
          const result = await outcome(lock.acquire({ timeout: c.timeoutMs / 1000 }));
          judgeWait(c.i, result, start, free, start + c.timeoutMs, false, queue);
        } else {
          const free = freeAt();
          const queue = (await queueMet()) || free - start >= JOIN_AFTER_MS - MAX_BACKOFF;
          const controller = new AbortController();
          const cancel = clock.setTimer(c.afterMs, () => controller.abort());
          const result = await outcome(lock.acquire({ signal: controller.signal }));
          cancel();
          judgeWait(c.i, result, start, free, start + c.afterMs, true, queue);
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
            item.freedAt = start;
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
            // extend() never shortens a lease: the end only moves out.
            const end = Math.max(lease.expires, start + (c.seconds === undefined ? D : Math.round(c.seconds * 1000)));
            lease.expires = end;
            item!.expires = end;
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
