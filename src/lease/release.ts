import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { parseQueueView } from '../item/queue-view.js';
import { type HoldRecord, releaseRequest } from '../item/requests.js';
import { deadlineSignal } from '../runtime/clock.js';
import type { LockContext } from '../runtime/context.js';
import { classify, conditionItem, unsent } from '../runtime/sdk-errors.js';
import { type Refusal, refusal } from './loss.js';

/** Attempts a release or a manual extend makes through throttling and transient failures. */
export const MAX_RELEASE_ATTEMPTS = 5;
/** How long one release write may go unanswered before it counts as a transient failure. */
export const RELEASE_ATTEMPT_TIMEOUT_MS = 5_000;

/**
 * One release write of `code` on `slot`, cut off if unanswered after `cutoffMs`. The item it
 * leaves is kept as what this lock last saw: an acquire soon after learns from it whether a
 * queued waiter has the right of way, and the holds.
 */
async function releaseOnce(
  ctx: LockContext,
  slot: number,
  code: string,
  hold: HoldRecord | undefined,
  cutoffMs = RELEASE_ATTEMPT_TIMEOUT_MS,
): Promise<void> {
  const { clock, o } = ctx;
  // A release with no answer must not hang the caller's `finally` for ever.
  const cutoff = deadlineSignal(clock, undefined, clock.monotonic() + cutoffMs);
  try {
    const now = clock.now();
    const out = await ctx.send(
      releaseRequest({
        tableName: o.tableName,
        key: ctx.key(slot),
        code,
        now,
        retentionS: o.retentionS,
        hold,
      }),
      cutoff.signal,
    );
    ctx.memory.released(parseQueueView(out?.Attributes), now);
  } finally {
    cutoff.cancel();
  }
}

/** How a release ended: written, or refused (the code on the item is no longer ours). */
export type ReleaseOutcome =
  | { readonly refused: false }
  | {
      readonly refused: true;
      /** The item as the server returned it with the refusal (ALL_OLD); dynalite returns none. */
      readonly item: Record<string, AttributeValue> | undefined;
      /**
       * An earlier attempt failed in a way that may have been applied (its answer lost): the
       * refusal may then be of a lock that this very release freed, and the next holder took.
       */
      readonly afterUnseen: boolean;
    };

/** Which lease a release writes, and for how long it may retry. */
export interface Releasing {
  /** The slot held (0 on a 'single' table). */
  readonly slot: number;
  /** The holder's owner code. */
  readonly code: string;
  /** Whether the lease is still ours to release: retries stop once it says no. */
  readonly mayRetry: () => boolean;
  /** The hold the release records for waiters. */
  readonly hold?: HoldRecord;
}

/**
 * Releases a lease, retrying throttling and transient failures (a retried release whose first
 * answer was lost succeeds again: the write is conditional on our own code) while `mayRetry()`
 * says the lease is still ours to release.
 *
 * @returns `refused: true` when the condition failed: the item no longer carries our code.
 * @throws the wrapped SDK error when the release could not be written.
 */
export async function releaseLease(ctx: LockContext, r: Releasing): Promise<ReleaseOutcome> {
  const { slot, code, mayRetry, hold } = r;
  let afterUnseen = false;
  for (let attempt = 1; ; attempt++) {
    try {
      await releaseOnce(ctx, slot, code, hold);
      return { refused: false };
    } catch (error) {
      const kind = classify(error);
      if (kind === 'conditional') return { refused: true, item: conditionItem(error), afterUnseen };
      if ((kind === 'throttled' || kind === 'transient') && attempt < MAX_RELEASE_ATTEMPTS && mayRetry()) {
        if (kind === 'transient' && !unsent(error)) afterUnseen = true;
        await ctx.clock.sleep(ctx.backoffAfterFailure(error, kind, 'release', attempt, slot));
        continue;
      }
      throw ctx.wrap(error, 'release');
    }
  }
}

/**
 * What a release's outcome means for the lease of `code` and `fencingToken`; `late`: the release
 * was first sent after the lease had ended. A refusal is a loss (taken, or released by force),
 * except after an earlier attempt that was sent in time and lost its answer. The lock has then
 * been taken by the next holder, once that attempt freed it, or (were it lost on the way) as
 * the lease ran out. Either way the work ended under the lease, before the release was sent:
 * nothing was lost while it was held, and the release succeeded.
 */
export function releaseVerdict(
  outcome: ReleaseOutcome,
  lease: { readonly code: string; readonly fencingToken: number; readonly late: boolean },
): { readonly lost: false } | ({ readonly lost: true } & Refusal) {
  if (!outcome.refused) return { lost: false };
  const r = refusal(outcome.item, lease.code, lease.fencingToken);
  if (r.reason === 'taken' && outcome.afterUnseen && !lease.late) return { lost: false };
  return { lost: true, ...r };
}

/**
 * Best effort, one attempt, cut off after `cutoffMs` (default: a release's): release an
 * acquisition whose write may have been applied unseen.
 */
export async function clearAmbiguous(ctx: LockContext, slot: number, code: string, cutoffMs?: number): Promise<void> {
  if (!(await clearOnce(ctx, slot, code, cutoffMs))) return;
  // Refused: the write was not applied, or not yet. A write whose sender gave up on it can still
  // reach the server after this clear (on another connection), and would then hold the lock for
  // nobody until its lease ends: clear once more a little later, in the background.
  ctx.clock.setTimer(LATE_CLEAR_MS, () => {
    void clearOnce(ctx, slot, code, cutoffMs);
  });
}

/** How long after a refused clear it is sent once more, ms. */
export const LATE_CLEAR_MS = 1_000;

/** One clear; true when it was refused (nothing of ours there). */
async function clearOnce(ctx: LockContext, slot: number, code: string, cutoffMs?: number): Promise<boolean> {
  try {
    await releaseOnce(ctx, slot, code, undefined, cutoffMs);
    return false;
  } catch (error) {
    if (classify(error) === 'conditional') return true;
    ctx.log.warn(
      `could not clear an acquire of '${ctx.resourceId}' that may have been applied; it expires within ${ctx.o.durationMs / 1000} s`,
      error,
    );
    return false;
  }
}
