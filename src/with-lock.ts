import { lastRefusal } from './acquire/contact.js';
import { LockUnavailableError } from './errors.js';
import type { HeldLock } from './held-lock.js';
import type { TableLayout } from './item/attributes.js';
import { DynamoDbLock } from './lock.js';
import { DynamoDbMultiLock, type MultiLockOptions } from './multi-lock.js';
import type { AcquireOptions } from './options/acquire-options.js';
import type { LockOptions } from './options/lock-options.js';
import { checkFunction, checkObject } from './options/validate.js';
import { resolveLogger, shieldLogger } from './runtime/logger.js';
import { clockOf, withClock } from './runtime/test-seam.js';

/** Options of {@link withLock}: the lock's and `acquire()`'s together. */
export interface WithLockOptions extends LockOptions, AcquireOptions {
  /**
   * Renew the lease while the work runs.
   * @default true
   */
  readonly autoRenew?: boolean;
}

/** Options of {@link withLock} over several resources: the multi-lock's and `acquire()`'s together. */
export interface WithMultiLockOptions extends MultiLockOptions, AcquireOptions {
  /**
   * Renew the leases while the work runs.
   * @default true
   */
  readonly autoRenew?: boolean;
}

/**
 * Runs `work` while holding the lock on `resourceId`, and returns what it returns.
 *
 * The lease renews itself while the work runs (`autoRenew: false` to turn that off); the work
 * gets the lock, held (a {@link HeldLock}: `lock.fencingToken` is a number), so it can watch
 * `lock.signal` and pass `lock.fencingToken` on. The lock is released in `finally`, after any
 * renewal in flight has settled.
 *
 * - If `work` throws, that error is what `withLock` rejects with, even if release fails too
 *   (the release failure is logged).
 * - If the lease was lost while `work` ran (taken by another owner, or run out before the
 *   release was sent) and `work` did not throw, `withLock` rejects with the
 *   {@link LockLostError}: the work finished, but not under the lock's protection. If
 *   `lock.signal` only aborted inside the safety margin and the release was still in time,
 *   nothing was lost and `withLock` resolves with the work's value.
 * - If the lock cannot be had (`blocking: false` or `timeout`), it rejects with a
 *   {@link LockUnavailableError} whose `cause` is the last refusal or error, and `work` never
 *   runs. If DynamoDB never answered, it rejects with the `UnreachableError` instead.
 *
 * @example
 * const total = await withLock('ledger', async (lock) => {
 *   return applyPayments({ fencingToken: lock.fencingToken, signal: lock.signal });
 * }, { duration: 5, timeout: 30 }); // seconds
 *
 * With an array of resource ids, it holds them all at once through a {@link DynamoDbMultiLock}
 * (one transaction takes every lock or none; DynamoDB or DynamoDB Local, not dynalite), and
 * `work` gets the multi-lock: `lock.signal` aborts when any lease is lost, and
 * `lock.fencingTokens` has each resource's token. A `LockUnavailableError` then names the first id.
 *
 * @example
 * await withLock(['account-17', 'account-42'], async (locks) => {
 *   await locks.transactWrite([debit(17, 100), credit(42, 100)]);
 * }, { client });
 *
 * @param resourceId - The resource to lock (see {@link DynamoDbLock}), or 1 to 100 distinct ids
 * to lock at once (see {@link DynamoDbMultiLock}).
 * @param work - Runs while the lock is held; gets the lock, and its result is returned.
 * @param options - The lock's options and `acquire()`'s together; `autoRenew` defaults to true.
 * @typeParam Layout - The `tableLayout` of `options`, inferred: with `'slots'` the work's
 * `lock.slot` is a number.
 */
// The single-id signature comes last: `Parameters<typeof withLock>` reads the last overload.
export function withLock<T>(
  resourceIds: readonly string[],
  work: (lock: DynamoDbMultiLock) => T | PromiseLike<T>,
  options?: WithMultiLockOptions,
): Promise<T>;
export function withLock<T, Layout extends TableLayout | undefined = undefined>(
  resourceId: string,
  work: (lock: HeldLock<Layout>) => T | PromiseLike<T>,
  options?: WithLockOptions & { readonly tableLayout?: Layout },
): Promise<T>;
export async function withLock<T>(
  resource: string | readonly string[],
  work: (lock: never) => T | PromiseLike<T>,
  options?: WithLockOptions | WithMultiLockOptions,
): Promise<T> {
  checkFunction(work, 'work');
  if (options !== undefined) checkObject(options, 'withLock options');
  const { blocking, timeout, signal, autoRenew = true, ...lockOptions } = options ?? {};
  // Only the keys the caller gave: an explicit `undefined` is the caller's to have validated.
  const acquireOptions: AcquireOptions = Object.fromEntries(
    Object.entries({ blocking, timeout, signal }).filter(([key]) => options !== undefined && key in options),
  );
  const settings = withClock<LockOptions>({ ...lockOptions, autoRenew }, clockOf(options));
  const lock =
    typeof resource === 'string' ? new DynamoDbLock(resource, settings) : new DynamoDbMultiLock(resource, settings);
  if (!(await lock.acquire(acquireOptions))) {
    // What the lock last said (its refusal) or the last error: an operator looks there first.
    const cause = lastRefusal(lock);
    const id = lock instanceof DynamoDbLock ? lock.resourceId : (lock.resourceIds[0] as string);
    const what =
      lock instanceof DynamoDbLock
        ? `the lock on \`${id}\``
        : `the locks on ${lock.resourceIds.map((r) => `\`${r}\``).join(', ')}`;
    throw new LockUnavailableError(
      id,
      blocking === false
        ? `${what[0]?.toUpperCase()}${what.slice(1)} ${lock instanceof DynamoDbLock ? 'is' : 'are'} held elsewhere`
        : `Timed out waiting for ${what}${cause === undefined && lock instanceof DynamoDbLock ? ', behind other acquires of it in this process' : ''}`,
      cause === undefined ? undefined : { cause },
    );
  }
  let result: T;
  try {
    // Acquired: the token, the lease end and the slot are set, as HeldLock says.
    result = await (work as (lock: HeldLock | DynamoDbMultiLock) => T | PromiseLike<T>)(
      lock as HeldLock | DynamoDbMultiLock,
    );
  } catch (error) {
    try {
      await lock.release();
    } catch (releaseError) {
      // The work's own error is the one the caller needs; the release failure is only logged.
      shieldLogger(resolveLogger(options?.logger)).warn(
        `releasing '${lock instanceof DynamoDbLock ? lock.resourceId : lock.resourceIds.join("', '")}' after the work failed also failed`,
        releaseError,
      );
    }
    throw error;
  }
  await lock.release();
  return result;
}
