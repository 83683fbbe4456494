import { randomBytes } from 'node:crypto';
import { type AttributeValue, type TransactWriteItem, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { type AcquireWindow, ATTEMPT_TIMEOUT_MS, MAX_LATE_ANSWERS } from '../acquire/acquire-loop.js';
import type { Contact } from '../acquire/contact.js';
import { DynamoDbError, LeaseTooShortError } from '../errors.js';
import { malformation, parseHolder } from '../item/attributes.js';
import { acquireRequest } from '../item/requests.js';
import { acquireUpdate } from '../item/transact-requests.js';
import { Lease } from '../lease/lease.js';
import { clearAmbiguous } from '../lease/release.js';
import type { ResolvedAcquireOptions } from '../options/acquire-options.js';
import { type BackoffPolicy, backoffDelay, THROTTLE_BACKOFF } from '../runtime/backoff.js';
import { abortError, deadlineSignal } from '../runtime/clock.js';
import type { LockContext } from '../runtime/context.js';
import { endpointLabel } from '../runtime/endpoint.js';
import { classify, unsent, wrapSdkError } from '../runtime/sdk-errors.js';
import { cancellationReasons, unsupported, verdict } from './cancellation.js';
import { type Blocker, blocker, multiWaitDelay } from './multi-wait.js';
import { type Found, readHeld } from './read-back.js';

/** Attempts a non-blocking multi-lock acquire makes through throttling, transient failures and conflicts. */
const MAX_TRY_ATTEMPTS = 3;
/**
 * Retrying after a transaction conflict: another transaction (or a single write) was on one of
 * the items at that instant, and nothing was applied. Sooner than the contention backoff: the
 * other write is done in a round trip, and the items may well be free.
 */
const CONFLICT_BACKOFF: BackoffPolicy = { baseMs: 10, capMs: 100 };

/** A fresh owner code: 32 hex characters, as the single lock and Python dynamo-dlm write. */
function newCode(): string {
  return randomBytes(16).toString('hex');
}

/** The ids of a multi-lock, for messages: "`a`, `b`". */
export function named(ctxs: readonly LockContext[]): string {
  return ctxs.map((c) => `\`${c.resourceId}\``).join(', ');
}

/**
 * Takes every item of `ctxs` in one `TransactWriteItems`, each under the single lock's acquire
 * condition, or none. Resolves with one new, not yet started {@link Lease} per item (in the
 * order of `ctxs`), or `undefined` when refused for good (`blocking: false` found one held, or
 * the deadline passed). Whatever way it ends, items that may be held under its owner code are
 * released before it settles, unless it resolves with their leases. `contact` hears every answer
 * and error, as a single lock's acquire's does: an acquire DynamoDB never answered throws rather
 * than say the locks are busy.
 *
 * A transaction returns no values, so the tokens are read afterwards (one consistent
 * `BatchGetItem`), and a takeover is told by the fresh form of the condition (`acquireUpdate`).
 */
export async function acquireAll(
  ctxs: readonly LockContext[],
  a: ResolvedAcquireOptions,
  w: AcquireWindow,
  contact: Contact,
): Promise<Lease[] | undefined> {
  const first = ctxs[0] as LockContext;
  const { clock, o } = first;
  let code = newCode();
  // Items refused in the fresh form whose holder never released (or that carry our own code, from
  // a write applied unseen): sent in the plain form from then on, and reported as taken over.
  const plain = new Set<number>();
  // Whether items may be held under `code` that no lease covers yet (a transaction applied, or
  // perhaps applied unseen): they are released before the acquire settles.
  let unseen: boolean = false;
  let attempts = 0;
  let refusals = 0;
  let failures = 0;
  let conflicts = 0;
  let late = 0;
  let cancelAttempt: (() => void) | undefined;
  try {
    for (;;) {
      if (a.signal?.aborted) throw abortError(a.signal);
      attempts++;
      const now = clock.now();
      const sent = clock.monotonic();
      const attempt = deadlineSignal(clock, a.signal, Math.min(w.deadline, sent + ATTEMPT_TIMEOUT_MS));
      cancelAttempt = attempt.cancel;
      let delay: number;
      const unseenBefore: boolean = unseen;
      let sending = true;
      try {
        const items = ctxs.map((ctx, i) =>
          acquireUpdate(acquireRequest(ctx.acquireInput(0, code, now)), !plain.has(i)),
        );
        unseen = true;
        await sendTransaction(first, items, attempt.signal);
        sending = false;
        contact.answer();
        const found = await readHeld(ctxs, code, attempt.signal);
        if (found !== undefined && clock.monotonic() < sent + o.durationMs - o.marginMs) {
          unseen = false;
          return ctxs.map((ctx, i) =>
            newLease(ctx, { code, now, sent, found: found[i] as Found, tookOver: plain.has(i), attempts }, w),
          );
        }
        // Answered so late that the leases are already inside their safety margin (or one was
        // taken before the read): leases the caller could not use. Give them back, and try
        // again under a fresh owner code.
        await clearAll(ctxs, code);
        unseen = false;
        code = newCode();
        plain.clear();
        late++;
        if (!a.blocking) return undefined;
        if (late >= MAX_LATE_ANSWERS) throw tooShort(ctxs, clock.monotonic() - sent);
        delay = backoffDelay(THROTTLE_BACKOFF, late, clock.random);
        first.log.warn(`acquire of ${named(ctxs)} was answered too late to use the leases; retrying`);
      } catch (error) {
        // A transaction refused as a whole applied nothing (an earlier one under this code may have).
        if (sending && notApplied(error)) unseen = unseenBefore;
        if (error instanceof LeaseTooShortError || error instanceof DynamoDbError) throw error;
        if (a.signal?.aborted) throw abortError(a.signal);
        const giveUp = contact.error(error, attempt.timedOut() ? clock.monotonic() - sent : undefined);
        // Cut off at the deadline: the write may still have been applied (`unseen` stays set).
        if (attempt.timedOut() && clock.monotonic() >= w.deadline) return contact.ended();
        const none = unsupported(error);
        if (none !== undefined) throw none;
        const reasons = cancellationReasons(error);
        const v = reasons === undefined ? undefined : verdict(reasons);
        if (v?.kind === 'condition') {
          const blockers: Blocker[] = [];
          const blocking: number[] = [];
          for (const i of v.failed) {
            const ctx = ctxs[i] as LockContext;
            const item = reasons?.[i]?.item;
            checkWellFormed(ctx, item, error);
            if (!plain.has(i) && takeable(item, code, now, o.skewMs)) plain.add(i);
            else {
              blockers.push(blocker(item, o.skewMs));
              blocking.push(i);
            }
          }
          // Only takeovers to make: go again at once, in the plain form for them. (At most
          // once per item: the set only grows.)
          if (blockers.length === 0) continue;
          refusals++;
          if (!a.blocking) return undefined;
          delay = multiWaitDelay(blockers, clock.now(), refusals, o, clock.random);
          blocking.forEach((i, n) => {
            const ctx = ctxs[i] as LockContext;
            const end = blockers[n]?.expiresMs;
            ctx.emit('contended', {
              resourceId: ctx.resourceId,
              slot: ctx.slotOf(0),
              attempt: attempts,
              holderExpiresAt: end === undefined ? undefined : new Date(end),
              delayMs: delay,
            });
          });
        } else if (v?.kind === 'conflict') {
          // Not contention: nothing says the items are held. Soon again.
          conflicts++;
          if (!a.blocking && conflicts >= MAX_TRY_ATTEMPTS) return undefined;
          delay = backoffDelay(CONFLICT_BACKOFF, conflicts, clock.random);
        } else {
          const kind = v?.kind === 'throttled' ? 'throttled' : attempt.timedOut() ? 'transient' : classify(error);
          if (v?.kind === 'other' || (kind !== 'throttled' && kind !== 'transient')) throw wrapped(ctxs, error);
          if (giveUp !== undefined) throw giveUp;
          failures++;
          if (!a.blocking && failures >= MAX_TRY_ATTEMPTS) throw contact.unreachable() ?? wrapped(ctxs, error);
          delay = first.backoffAfterFailure(error, kind, 'acquire', failures, 0);
        }
      } finally {
        attempt.cancel();
      }
      const remaining = w.deadline - clock.monotonic();
      if (remaining <= 0) return contact.ended();
      await clock.sleep(Math.min(Math.max(delay, 1), remaining), a.signal);
      // A sleep that ran to the deadline leaves no time for a transaction: one sent now would be
      // cut off at once, and then cleared as if it might have been applied.
      if (clock.monotonic() >= w.deadline) return contact.ended();
    }
  } finally {
    cancelAttempt?.();
    if (unseen) await clearAll(ctxs, code, contact.clearCutoffMs);
  }
}

/**
 * Whether a failed transaction certainly applied nothing: cancelled, unknown, throttled, refused
 * as invalid, or never sent (the connection was refused).
 */
function notApplied(error: unknown): boolean {
  if (cancellationReasons(error) !== undefined || unsupported(error) !== undefined || unsent(error)) return true;
  const kind = classify(error);
  return (
    kind === 'throttled' || kind === 'missing-table' || (error as { name?: unknown }).name === 'ValidationException'
  );
}

/**
 * Whether a refused item may be taken in the plain form: its holder's lease ended (by our clock,
 * beyond the skew allowance) without a release, or it carries our own code (a write of ours
 * applied unseen). Either way the plain form's own condition has the last word.
 */
function takeable(item: Record<string, AttributeValue> | undefined, code: string, now: number, skewMs: number) {
  const holder = parseHolder(item);
  if (holder === undefined || holder.released) return false;
  if (holder.releaseCode === code) return true;
  return holder.expiresMs !== undefined && holder.expiresMs + skewMs <= now;
}

function sendTransaction(ctx: LockContext, items: TransactWriteItem[], signal: AbortSignal | undefined) {
  return ctx
    .client()
    .send(
      new TransactWriteItemsCommand({ TransactItems: items }),
      signal === undefined ? undefined : { abortSignal: signal },
    );
}

/**
 * Releases (best effort, in parallel) every item that may be held under `code`, each write cut
 * off after `cutoffMs` (default: a release's).
 */
async function clearAll(ctxs: readonly LockContext[], code: string, cutoffMs?: number): Promise<void> {
  await Promise.all(ctxs.map((ctx) => clearAmbiguous(ctx, 0, code, cutoffMs)));
}

/** The typed error for an SDK error the acquire does not handle itself, naming every id and the endpoint. */
function wrapped(ctxs: readonly LockContext[], error: unknown) {
  const first = ctxs[0] as LockContext;
  const ids = ctxs.map((c) => c.resourceId).join(', ');
  return wrapSdkError(error, ids, first.o.tableName, 'acquire', first.o.tableLayout, endpointLabel(first.client()));
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

function tooShort(ctxs: readonly LockContext[], roundTripMs: number): LeaseTooShortError {
  const { o } = ctxs[0] as LockContext;
  return new LeaseTooShortError(
    (ctxs[0] as LockContext).resourceId,
    `Gave up acquiring ${named(ctxs)}: ${MAX_LATE_ANSWERS} answers came too late to use the leases ` +
      `(the last took ${Math.round(roundTripMs)} ms; \`duration\` ${o.durationMs} ms less \`safetyMargin\` ${o.marginMs} ms ` +
      'leaves less than that). Use a `duration` of many round trips: at least 1 s against DynamoDB.',
  );
}

interface Answer {
  readonly code: string;
  readonly now: number;
  readonly sent: number;
  readonly found: Found;
  readonly tookOver: boolean;
  readonly attempts: number;
}

function newLease(ctx: LockContext, r: Answer, w: AcquireWindow): Lease {
  const lease = new Lease(ctx, {
    code: r.code,
    slot: 0,
    fencingToken: r.found.fencingToken,
    tookOver: r.tookOver,
    sentMono: r.sent,
    now: r.now,
    avgHoldMs: r.found.avgHoldMs,
  });
  if (r.tookOver)
    ctx.log.info(`took over the expired lease on '${ctx.resourceId}' from a holder that had not released it`);
  ctx.emit('acquired', {
    resourceId: ctx.resourceId,
    slot: ctx.slotOf(0),
    waitMs: ctx.clock.monotonic() - w.started,
    attempts: r.attempts,
    fencingToken: r.found.fencingToken,
    tookOver: r.tookOver,
  });
  return lease;
}
