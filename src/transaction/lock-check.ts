import { randomUUID } from 'node:crypto';
import { type TransactWriteItem, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { ATTEMPT_TIMEOUT_MS } from '../acquire/acquire-loop.js';
import type { LockLostError } from '../errors.js';
import { type DocumentConditionCheck, documentHeldCheck, type HeldItem, heldCheck } from '../item/transact-requests.js';
import type { Lease } from '../lease/lease.js';
import { lostError, refusal } from '../lease/loss.js';
import { resolveTransactWriteOptions } from '../options/transact-options.js';
import { backoffDelay, THROTTLE_BACKOFF } from '../runtime/backoff.js';
import { abortError, deadlineSignal } from '../runtime/clock.js';
import type { LockContext } from '../runtime/context.js';
import { classify } from '../runtime/sdk-errors.js';
import { cancellationReasons, type Reason, unsupported, verdict } from './cancellation.js';
import { checkNotOnLockItems, checkTransactItems } from './transact-validate.js';

/** One lease of a lock, with the context it was acquired through. */
export interface Held {
  readonly ctx: LockContext;
  readonly lease: Lease;
}

/** Attempts a lock-checked write makes through conflicts, throttling and transient failures. */
export const MAX_WRITE_ATTEMPTS = 5;

function heldItem(h: Held): HeldItem {
  return { tableName: h.ctx.o.tableName, key: h.ctx.key(h.lease.slot), code: h.lease.code };
}

/** The check that `h` is still held, in `form`; throws the loss when the lease is known lost. */
export function conditionCheckOf(h: Held, form: 'raw' | 'document'): TransactWriteItem | DocumentConditionCheck {
  const lost = h.lease.lost;
  if (lost !== undefined) throw lost;
  return form === 'raw' ? heldCheck(heldItem(h)) : documentHeldCheck(heldItem(h));
}

/**
 * Sends the caller's `items` with a check per lease in `held` appended, in one transaction: it
 * commits only if every lease is still held at that instant. Retries conflicts, throttling and
 * transient failures (at most {@link MAX_WRITE_ATTEMPTS} attempts) under one client request
 * token, so that a retry of a write applied unseen succeeds without applying it twice.
 *
 * - A lease's own check failed: that lease is lost now (`taken`, with the owner where the server
 *   returned the item, or `forced`); rejects with its `LockLostError`, the SDK error as `cause`.
 * - Another item's condition failed: rejects with the SDK error untouched, its
 *   `CancellationReasons` included.
 * - The endpoint has no transactions: `TransactionsUnsupportedError`.
 * - Anything else: the SDK error, untouched (the transaction and its tables are the caller's).
 */
export async function lockCheckedWrite(held: readonly Held[], items: unknown, options: unknown): Promise<unknown> {
  const { signal, send: callerSend, form } = resolveTransactWriteOptions(options);
  const list = checkTransactItems(items, form, held.length);
  checkNotOnLockItems(
    list,
    held.map((h) => ({ tableName: h.ctx.o.tableName, key: h.ctx.key(h.lease.slot) })),
  );
  const checks = held.map((h) => conditionCheckOf(h, form));
  if (signal?.aborted) throw abortError(signal);
  const first = held[0] as Held;
  const { clock } = first.ctx;
  const input = { TransactItems: [...list, ...checks], ClientRequestToken: randomUUID() };
  const send =
    callerSend ??
    ((i: unknown, s: AbortSignal) =>
      first.ctx
        .client()
        .send(new TransactWriteItemsCommand(i as { TransactItems: TransactWriteItem[] }), { abortSignal: s }));
  for (let attempt = 1; ; attempt++) {
    const cutoff = deadlineSignal(clock, signal, clock.monotonic() + ATTEMPT_TIMEOUT_MS);
    try {
      return await settled(send(input, cutoff.signal as AbortSignal), cutoff.signal as AbortSignal);
    } catch (error) {
      if (signal?.aborted) throw abortError(signal);
      const none = unsupported(error);
      if (none !== undefined) throw none;
      const reasons = cancellationReasons(error);
      const v = reasons === undefined ? undefined : verdict(reasons);
      if (v?.kind === 'condition') throw lostBy(held, v.failed, list.length, reasons as Reason[], error) ?? error;
      const kind =
        v === undefined ? (cutoff.timedOut() ? 'transient' : classify(error)) : v.kind === 'other' ? 'fatal' : v.kind;
      if (kind !== 'conflict' && kind !== 'throttled' && kind !== 'transient') throw error;
      if (attempt >= MAX_WRITE_ATTEMPTS) throw error;
      const delay = backoffDelay(THROTTLE_BACKOFF, attempt, clock.random);
      first.ctx.log.warn(
        `a lock-checked write under '${held.map((h) => h.ctx.resourceId).join("', '")}' met a ${kind === 'conflict' ? 'transaction conflict' : `${kind} failure`} (attempt ${attempt}); retrying in ${Math.round(delay)} ms`,
      );
      await clock.sleep(delay, signal);
    } finally {
      cutoff.cancel();
    }
  }
}

/**
 * The loss a cancellation proves: for the first lease whose own check failed (the checks follow
 * the caller's `offset` items), after ending every such lease as a loss. A lease still held is
 * lost now, and its `LockLostError` is the answer; one already lost by its own clocks (or
 * released meanwhile) keeps its first loss, and the answer says what the server found: taken,
 * by whom, or released by force. `undefined` when only the caller's items failed.
 */
function lostBy(
  held: readonly Held[],
  failed: readonly number[],
  offset: number,
  reasons: readonly Reason[],
  error: unknown,
): LockLostError | undefined {
  let first: LockLostError | undefined;
  for (const i of failed) {
    const h = held[i - offset];
    if (h === undefined) continue;
    // Taken (by whom, where the item came back), or released by force: as a refused renewal reads it.
    const { reason, owner } = refusal(reasons[i]?.item, h.lease.code, h.lease.fencingToken);
    const before = h.lease.lost;
    h.lease.lose({ reason, cause: error, owner });
    const now = h.lease.lost;
    first ??=
      before === undefined && now !== undefined
        ? now
        : lostError({
            resourceId: h.ctx.resourceId,
            slot: h.ctx.slotOf(h.lease.slot),
            fencingToken: h.lease.fencingToken,
            reason,
            cause: error,
            owner,
          });
  }
  return first;
}

/** `promise`, or a rejection as soon as `signal` aborts: a `send` that ignores its signal still settles. */
function settled<T>(promise: PromiseLike<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(Object.assign(new Error('the write was cut off'), { name: 'AbortError' }));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    Promise.resolve(promise).then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
