import { randomBytes } from 'node:crypto';
import type { UpdateItemCommandOutput } from '@aws-sdk/client-dynamodb';
import { DynamoDbError, LeaseTooShortError } from '../errors.js';
import { malformation, parseHolder } from '../item/attributes.js';
import { parseQueueView } from '../item/queue-view.js';
import { tokenBase } from '../item/requests.js';
import { Lease } from '../lease/lease.js';
import { clearAmbiguous } from '../lease/release.js';
import type { ResolvedAcquireOptions } from '../options/acquire-options.js';
import { backoffDelay, THROTTLE_BACKOFF } from '../runtime/backoff.js';
import { abortError, deadlineSignal } from '../runtime/clock.js';
import type { LockContext } from '../runtime/context.js';
import { classify, conditionItem, unsent } from '../runtime/sdk-errors.js';
import { Contact } from './contact.js';
import { SlotWaiter } from './slot-waiter.js';
import type { Item, WaitStrategy } from './strategy.js';
import { QueueWaiter } from './waiter.js';

/** Attempts a non-blocking acquire makes through throttling and transient failures. */
const MAX_TRY_ATTEMPTS = 3;
/**
 * Answers in a row that came too late to use the lease before a blocking acquire gives up: the
 * round trip is longer than the lease less its margin, and retrying cannot change that.
 */
export const MAX_LATE_ANSWERS = 3;
/** How long one acquire write may go unanswered before it counts as a transient failure. */
export const ATTEMPT_TIMEOUT_MS = 5_000;
/** How long a waiter that gives up waits for its last write (leaving the queue). */
export const LEAVE_TIMEOUT_MS = 1_000;
/** Queue steps sent at once, one after another, before a pause: no sequence of answers may spin. */
const MAX_IMMEDIATE = 4;

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
 * Whatever way it ends, a write that may have been applied unseen is cleared, and a waiter that
 * gives up leaves the queue, so that nothing is left behind that the caller does not know about.
 * What to write and when is the strategy's: the queue for a single-slot lock, the slot search
 * for a lock of several slots. `contact` hears every answer and error: an acquire DynamoDB never
 * answered throws rather than say the lock is busy.
 */
export async function acquireLease(
  ctx: LockContext,
  a: ResolvedAcquireOptions,
  w: AcquireWindow,
  contact = new Contact(ctx, a.blocking),
): Promise<Lease | undefined> {
  const { clock, o } = ctx;
  let code = newCode();
  const wallDeadline = clock.now() + (w.deadline - clock.monotonic());
  const strategy: WaitStrategy =
    o.concurrency === 1 ? new QueueWaiter(ctx, clock.now(), wallDeadline, a.blocking) : new SlotWaiter(ctx, a.blocking);
  // Slots whose write (under `code`) may have been applied unseen. Each is cleared before the
  // acquire settles unless it is the slot we end up holding: a delayed write must not leave a
  // second slot held that nobody knows about.
  const ambiguous = new Set<number>();
  let won = false;
  let attempts = 0;
  let failures = 0;
  let late = 0;
  // Steps that ask to go again at once, in a row: bounded, so that no sequence of answers spins.
  let immediate = 0;
  let cancelAttempt: (() => void) | undefined;
  try {
    const first = strategy.firstDelayMs;
    if (first > 0 && first < w.deadline - clock.monotonic()) await clock.sleep(first, a.signal);
    for (;;) {
      // Between the writes of a sweep nothing sleeps, so nothing else would notice an abort.
      if (a.signal?.aborted) throw abortError(a.signal);
      const now = clock.now();
      const sent = clock.monotonic();
      const plan = strategy.write(code, now);
      // `attempts` counts the writes that could take the lock, and failed writes.
      if (plan.acquires) attempts++;
      let delay: number;
      // The timeout bounds the write in flight too: a hung request (a client without a request
      // timeout) must not hold `acquire({ timeout })` past its deadline. One write may go
      // unanswered for at most ATTEMPT_TIMEOUT_MS (a client without a request timeout, an
      // endpoint that accepts connections and never answers): then it counts as a transient
      // failure, so that even a non-blocking acquire always settles.
      const attempt = deadlineSignal(clock, a.signal, Math.min(w.deadline, sent + ATTEMPT_TIMEOUT_MS));
      cancelAttempt = attempt.cancel;
      try {
        const out = await ctx.send(plan.request, attempt.signal);
        contact.answer();
        strategy.observe(clock.monotonic() - sent);
        if (!plan.acquires) {
          delay = strategy.informed(out.Attributes, clock.now());
        } else if (clock.monotonic() < sent + o.durationMs - o.marginMs) {
          ambiguous.delete(plan.slot);
          await clearSlots(ctx, ambiguous, code);
          won = true;
          return newLease(ctx, { code, slot: plan.slot, now, sent, out, attempts }, w);
        } else {
          // The answer came so late that the lease is already inside its safety margin: a lease
          // the caller could not use. Give it back and try again, under a fresh owner code (our
          // own released marker is closed to the old one).
          ambiguous.add(plan.slot);
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
          if (plan.acquires) ambiguous.add(plan.slot);
          throw abortError(a.signal);
        }
        const giveUp = contact.error(error, attempt.timedOut() ? clock.monotonic() - sent : undefined);
        if (attempt.timedOut() && clock.monotonic() >= w.deadline) {
          // Cut off at the deadline: the write may still have been applied.
          if (plan.acquires) ambiguous.add(plan.slot);
          return contact.ended();
        }
        const kind = attempt.timedOut() ? 'transient' : classify(error);
        if (kind === 'conditional') {
          strategy.observe(clock.monotonic() - sent);
          const item = conditionItem(error);
          if (plan.acquires) checkWellFormed(ctx, item, error);
          const next = strategy.refused(item, clock.now());
          if (plan.acquires) contended(ctx, plan.slot, attempts, item, next);
          if (next === undefined) return undefined;
          delay = next;
        } else if (kind === 'throttled' || kind === 'transient') {
          // The same write is retried: an acquire applied unseen is then found with our own code.
          if (kind === 'transient' && plan.acquires && !unsent(error)) ambiguous.add(plan.slot);
          if (giveUp !== undefined) throw giveUp;
          failures++;
          if (!a.blocking && failures >= MAX_TRY_ATTEMPTS) throw contact.unreachable() ?? ctx.wrap(error, 'acquire');
          delay = ctx.backoffAfterFailure(error, kind, 'acquire', failures, plan.slot);
        } else {
          throw ctx.wrap(error, 'acquire');
        }
      }
      attempt.cancel();
      const remaining = w.deadline - clock.monotonic();
      if (remaining <= 0) return contact.ended();
      // A step that follows at once (the first sweep of the slots, a queue step) goes on without
      // a pause, a bounded number in a row; a signal aborted meanwhile is seen by the next write.
      if (delay <= 0 && ++immediate <= Math.max(MAX_IMMEDIATE, o.concurrency)) continue;
      if (delay > 0) immediate = 0;
      await clock.sleep(Math.min(Math.max(delay, 1), remaining), a.signal);
      // A sleep that ran to the deadline leaves no time for a write: one sent now would be cut
      // off at once, and then cleared as if it might have been applied.
      if (clock.monotonic() >= w.deadline) return contact.ended();
    }
  } finally {
    cancelAttempt?.();
    await clearSlots(ctx, ambiguous, code, contact.clearCutoffMs);
    if (!won) await leaveQueue(ctx, strategy);
  }
}

/** Reports a refused acquiring write: who holds the slot (where the server said) and the planned wait. */
function contended(
  ctx: LockContext,
  slot: number,
  attempt: number,
  item: Item | undefined,
  delayMs: number | undefined,
) {
  const holder = parseHolder(item);
  ctx.emit('contended', {
    resourceId: ctx.resourceId,
    slot: ctx.slotOf(slot),
    attempt,
    holderExpiresAt: holder?.expiresMs === undefined ? undefined : new Date(holder.expiresMs),
    delayMs: delayMs ?? 0,
  });
}

/**
 * A waiter that gives up while queued sends one last write (best effort, cut off after
 * {@link LEAVE_TIMEOUT_MS}), so that the queue does not wait for it.
 */
async function leaveQueue(ctx: LockContext, strategy: WaitStrategy): Promise<void> {
  const request = strategy.leaving(ctx.clock.now());
  if (request === undefined) return;
  const cutoff = deadlineSignal(ctx.clock, undefined, ctx.clock.monotonic() + LEAVE_TIMEOUT_MS);
  try {
    await ctx.send(request, cutoff.signal);
  } catch {
    // Refused (it was no longer the head) or unanswered: the waiter behind it skips it in time.
  } finally {
    cutoff.cancel();
  }
}

/**
 * Clears (best effort) every slot whose write under `code` may have been applied unseen, each
 * write cut off after `cutoffMs` (default: a release's).
 */
async function clearSlots(ctx: LockContext, slots: Set<number>, code: string, cutoffMs?: number): Promise<void> {
  for (const slot of slots) await clearAmbiguous(ctx, slot, code, cutoffMs);
  slots.clear();
}

/** No condition will ever admit a malformed item: report it rather than wait for ever. */
function checkWellFormed(ctx: LockContext, item: Item | undefined, cause: unknown): void {
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
}

function newLease(ctx: LockContext, r: Answer, w: AcquireWindow): Lease {
  const old = parseHolder(r.out.Attributes);
  const fencingToken = (old?.fencingToken ?? tokenBase(r.now)) + 1;
  // A previous holder that had not released was taken over. Finding our own code means an
  // earlier attempt of ours was applied unseen, and what it replaced is unknown: say "took
  // over", since needless recovery is safe and missed recovery is not.
  const tookOver = old !== undefined && !old.released && old.releaseCode !== undefined;
  // The average hold the item carried: the release records the next one from it.
  const view = parseQueueView(r.out.Attributes);
  const lease = new Lease(ctx, {
    code: r.code,
    slot: r.slot,
    fencingToken,
    tookOver,
    sentMono: r.sent,
    now: r.now,
    avgHoldMs: view?.avgHoldMs,
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
