import { randomBytes } from 'node:crypto';
import type { AttributeValue, UpdateItemCommandOutput } from '@aws-sdk/client-dynamodb';
import { DynamoDbError, LeaseTooShortError } from '../errors.js';
import { malformation, parseHolder } from '../item/attributes.js';
import { acquireRequest, tokenBase } from '../item/requests.js';
import { Lease } from '../lease/lease.js';
import { clearAmbiguous } from '../lease/release.js';
import type { ResolvedAcquireOptions } from '../options/acquire-options.js';
import { backoffDelay, CONTENTION_BACKOFF, THROTTLE_BACKOFF } from '../runtime/backoff.js';
import { abortError, deadlineSignal } from '../runtime/clock.js';
import type { LockContext } from '../runtime/context.js';
import { classify, conditionItem } from '../runtime/sdk-errors.js';
import { SlotSearch } from './slot-search.js';
import { parseQueueView } from './wait-policy.js';
import { Waiter } from './waiter.js';

/** Attempts a non-blocking acquire makes through throttling and transient failures. */
const MAX_TRY_ATTEMPTS = 3;
/**
 * Answers in a row that came too late to use the lease before a blocking acquire gives up: the
 * round trip is longer than the lease less its margin, and retrying cannot change that.
 */
export const MAX_LATE_ANSWERS = 3;
/** How long one acquire write may go unanswered before it counts as a transient failure. */
export const ATTEMPT_TIMEOUT_MS = 5_000;

/** A fresh owner code: 32 hex characters, as Python dynamo-dlm writes. */
function newCode(): string {
  return randomBytes(16).toString('hex');
}

/** One `acquire()`'s wait: when it started and when it must give up (monotonic ms). */
export interface AcquireWindow {
  readonly started: number;
  /** `Infinity` for no timeout. */
  readonly deadline: number;
}

/**
 * Writes until the lock is had (a new, not yet started {@link Lease}), refused for good
 * (`undefined`: `blocking: false` found it held, or the deadline passed), or failed (throws).
 * Whatever way it ends, a write that may have been applied unseen is cleared, so that nothing
 * is left held that the caller does not know about.
 */
export async function acquireLease(
  ctx: LockContext,
  a: ResolvedAcquireOptions,
  w: AcquireWindow,
): Promise<Lease | undefined> {
  const { clock, o } = ctx;
  let code = newCode();
  // A single-slot lock waits by the queue policy (wait-policy.ts, through a Waiter); a lock of
  // several slots polls them by slot-search.ts. Either way the same loop sends, retries and cleans up.
  const waiter = o.concurrency === 1 ? new Waiter(ctx, clock.now(), a.blocking) : undefined;
  const search = new SlotSearch(o.concurrency);
  let slot = search.plan().slot;
  // Slots whose write (under `code`) may have been applied unseen. Each is cleared before the
  // acquire settles unless it is the slot we end up holding: a delayed write must not leave a
  // second slot held that nobody knows about.
  const ambiguous = new Set<number>();
  let attempts = 0;
  let contended = 0;
  let failures = 0;
  let late = 0;
  // Steps that ask to go again at once, in a row: bounded, so that no sequence of answers spins.
  let immediate = 0;
  let cancelAttempt: (() => void) | undefined;
  try {
    // Right after its own release, a lock first waits its turn to poll or to queue (firstStep),
    // unless its timeout would end first: then it tries at once, as it always did.
    const first = waiter?.firstDelayMs ?? 0;
    if (first > 0 && first < w.deadline - clock.monotonic()) await clock.sleep(first, a.signal);
    for (;;) {
      // Between the writes of a sweep nothing sleeps, so nothing else would notice an abort.
      if (a.signal?.aborted) throw abortError(a.signal);
      attempts++;
      const now = clock.now();
      const sent = clock.monotonic();
      // A ticket or a look at the queue informs; every other write may take the lock.
      const acquiring = waiter?.acquires ?? true;
      let delay: number;
      // The timeout bounds the write in flight too: a hung request (a client without a request
      // timeout) must not hold `acquire({ timeout })` past its deadline. One write may go
      // unanswered for at most ATTEMPT_TIMEOUT_MS (a client without a request timeout, an
      // endpoint that accepts connections and never answers): then it counts as a transient
      // failure, so that even a non-blocking acquire always settles.
      const attempt = deadlineSignal(clock, a.signal, Math.min(w.deadline, sent + ATTEMPT_TIMEOUT_MS));
      cancelAttempt = attempt.cancel;
      try {
        const request = waiter?.request(code, now) ?? acquireRequest(ctx.acquireInput(slot, code, now));
        const out = await ctx.send(request, attempt.signal);
        waiter?.observe(clock.monotonic() - sent);
        if (!acquiring) {
          // Decide again from what the item says. (Not an attempt: `attempts` counts the writes
          // that could take the lock, and failed writes.)
          attempts--;
          waiter?.informed(out.Attributes);
          delay = waiter?.next(clock.now()).delayMs ?? 0;
        } else {
          if (clock.monotonic() < sent + o.durationMs - o.marginMs) {
            const polledWaitMs = waiter?.won(clock.now());
            ambiguous.delete(slot);
            await clearSlots(ctx, ambiguous, code);
            return newLease(ctx, { code, slot, now, sent, out, attempts, polledWaitMs }, w);
          }
          // The answer came so late that the lease is already inside its safety margin: a lease
          // the caller could not use. Give it back and try again, under a fresh owner code (our
          // own released marker is closed to the old one).
          ambiguous.add(slot);
          await clearSlots(ctx, ambiguous, code);
          code = newCode();
          late++;
          if (!a.blocking) return undefined;
          if (late >= MAX_LATE_ANSWERS) throw tooShort(ctx, clock.monotonic() - sent);
          delay = backoffDelay(THROTTLE_BACKOFF, late, clock.random);
          ctx.log.warn(`acquire of '${ctx.resourceId}' was answered too late to use the lease; retrying`);
        }
      } catch (error) {
        if (error instanceof LeaseTooShortError) throw error;
        if (a.signal?.aborted) {
          if (acquiring) ambiguous.add(slot);
          throw abortError(a.signal);
        }
        if (attempt.timedOut() && clock.monotonic() >= w.deadline) {
          // Cut off at the deadline: the write may still have been applied.
          if (acquiring) ambiguous.add(slot);
          return undefined;
        }
        const kind = attempt.timedOut() ? 'transient' : classify(error);
        if (kind === 'conditional' && !acquiring) {
          // A ticket or a look refused: the item is gone, so the lock is free.
          attempts--;
          waiter?.missing();
          delay = waiter?.next(clock.now()).delayMs ?? 0;
        } else if (kind === 'conditional') {
          waiter?.observe(clock.monotonic() - sent);
          const item = conditionItem(error);
          checkWellFormed(ctx, item, error);
          contended++;
          const holder = parseHolder(item);
          const refusedSlot = slot;
          if (waiter !== undefined) {
            if (!a.blocking) return undefined;
            waiter.refused(item);
            delay = waiter.next(clock.now()).delayMs;
          } else {
            search.refused(slot, holder?.expiresMs);
            const next = search.plan();
            slot = next.slot;
            // Not blocking: one sweep of the slots, then give up.
            if (!a.blocking && !next.immediate) return undefined;
            delay = next.immediate ? 0 : contentionDelay(ctx, next.holderExpiresMs, contended);
          }
          ctx.emit('contended', {
            resourceId: ctx.resourceId,
            slot: ctx.slotOf(refusedSlot),
            attempt: attempts,
            holderExpiresAt: holder?.expiresMs === undefined ? undefined : new Date(holder.expiresMs),
            delayMs: delay,
          });
        } else if (kind === 'throttled' || kind === 'transient') {
          // The same slot is retried: a write applied unseen is then found with our own code.
          if (kind === 'transient' && acquiring) ambiguous.add(slot);
          failures++;
          if (!a.blocking && failures >= MAX_TRY_ATTEMPTS) throw ctx.wrap(error, 'acquire');
          delay = ctx.backoffAfterFailure(error, kind, 'acquire', failures, slot);
        } else {
          throw ctx.wrap(error, 'acquire');
        }
      }
      attempt.cancel();
      const remaining = w.deadline - clock.monotonic();
      if (remaining <= 0) return undefined;
      // The first sweep of the slots, and a queue step that follows at once, go on without a
      // pause (a bounded number of them in a row); a signal aborted meanwhile is seen by the next write.
      if (delay <= 0 && (waiter === undefined || ++immediate <= 4)) continue;
      if (delay > 0) immediate = 0;
      await clock.sleep(Math.min(Math.max(delay, 1), remaining), a.signal);
    }
  } finally {
    cancelAttempt?.();
    await clearSlots(ctx, ambiguous, code);
  }
}

/** Clears (best effort) every slot whose write under `code` may have been applied unseen. */
async function clearSlots(ctx: LockContext, slots: Set<number>, code: string): Promise<void> {
  for (const slot of slots) await clearAmbiguous(ctx, slot, code);
  slots.clear();
}

/**
 * How long to wait after a refused attempt before polling the next slot: backoff, never past
 * that slot's holder's last-seen lease end (where the server returned the holder).
 */
function contentionDelay(ctx: LockContext, holderExpiresMs: number | undefined, contended: number): number {
  const { clock, o } = ctx;
  const delay = backoffDelay(CONTENTION_BACKOFF, contended, clock.random);
  if (holderExpiresMs === undefined) return delay;
  return Math.min(delay, Math.max(1, holderExpiresMs + o.skewMs - clock.now()));
}

/** No condition will ever admit a malformed item: report it rather than wait for ever. */
function checkWellFormed(ctx: LockContext, item: Record<string, AttributeValue> | undefined, cause: unknown): void {
  const broken = malformation(item);
  if (broken === undefined) return;
  throw new DynamoDbError(
    `The lock item of \`${ctx.resourceId}\` in \`${ctx.o.tableName}\` is malformed (${broken}), so no acquire can ever take it; repair or delete the item`,
    { cause },
  );
}

function tooShort(ctx: LockContext, roundTripMs: number): LeaseTooShortError {
  const { o } = ctx;
  return new LeaseTooShortError(
    ctx.resourceId,
    `Gave up acquiring \`${ctx.resourceId}\`: ${MAX_LATE_ANSWERS} answers came too late to use the lease ` +
      `(the last took ${Math.round(roundTripMs)} ms; \`duration\` ${o.durationMs} ms less \`safetyMargin\` ${o.marginMs} ms ` +
      'leaves less than that). Use a `duration` of many round trips: at least 1 s against DynamoDB.',
  );
}

interface Answer {
  readonly code: string;
  readonly slot: number;
  readonly now: number;
  readonly sent: number;
  readonly out: UpdateItemCommandOutput;
  readonly attempts: number;
  /** This acquisition's polled wait (`Waiter.won`), for its release to record. */
  readonly polledWaitMs: number | undefined;
}

function newLease(ctx: LockContext, r: Answer, w: AcquireWindow): Lease {
  const old = parseHolder(r.out.Attributes);
  const fencingToken = (old?.fencingToken ?? tokenBase(r.now)) + 1;
  // A previous holder that had not released was taken over. Finding our own code means an
  // earlier attempt of ours was applied unseen, and what it replaced is unknown: say "took
  // over", since needless recovery is safe and missed recovery is not.
  const tookOver = old !== undefined && !old.released && old.releaseCode !== undefined;
  // The averages the item carried: the release records the next ones from them.
  const view = parseQueueView(r.out.Attributes);
  if (view?.avgWaitMs !== undefined) ctx.pollWaitMs = view.avgWaitMs;
  const lease = new Lease(ctx, {
    code: r.code,
    slot: r.slot,
    fencingToken,
    tookOver,
    sentMono: r.sent,
    now: r.now,
    avgHoldMs: view?.avgHoldMs,
    avgWaitMs: view?.avgWaitMs,
    polledWaitMs: r.polledWaitMs,
  });
  const slot = ctx.slotOf(r.slot);
  if (tookOver)
    ctx.log.info(
      `took over the expired lease on '${ctx.resourceId}'${slot === undefined ? '' : ` (slot ${slot})`} from a holder that had not released it`,
    );
  ctx.emit('acquired', {
    resourceId: ctx.resourceId,
    slot,
    waitMs: ctx.clock.monotonic() - w.started,
    attempts: r.attempts,
    fencingToken,
    tookOver,
  });
  return lease;
}
