import { LockUnavailableError } from './errors.js';
import { DynamoDbLock, type LockInternals } from './lock.js';
import { consoleWarnings, type Logger, silentLogger } from './logger.js';
import { ACQUIRE_OPTION_KEYS, type AcquireOptions, type LockOptions } from './options.js';
import { checkFunction, checkObject } from './validate.js';

function loggerOf(options: WithLockOptions | undefined): Logger {
  const logger = options?.logger;
  return logger === undefined ? consoleWarnings : logger === false ? silentLogger : logger;
}

/** Options of {@link withLock}: the lock's and `acquire()`'s together. */
export interface WithLockOptions extends LockOptions, AcquireOptions {
  /**
   * Renew the lease while the work runs.
   * @default true
   */
  readonly autoRenew?: boolean;
}

/**
 * Runs `work` while holding the lock on `resourceId`, and returns what it returns.
 *
 * The lease renews itself while the work runs (`autoRenew: false` to turn that off); the work
 * gets the lock, so it can watch `lock.signal` and pass `lock.fencingToken` on. The lock is
 * released in `finally`, after any renewal in flight has settled.
 *
 * - If `work` throws, that error is what `withLock` rejects with, even if release fails too
 *   (the release failure is logged).
 * - If the lease was lost while `work` ran (taken by another owner, or run out before the
 *   release was sent) and `work` did not throw, `withLock` rejects with the
 *   {@link LockLostError}: the work finished, but not under the lock's protection. If
 *   `lock.signal` only aborted inside the safety margin and the release was still in time,
 *   nothing was lost and `withLock` resolves with the work's value.
 * - If the lock cannot be had (`blocking: false` or `timeout`), it rejects with a
 *   {@link LockUnavailableError} and `work` never runs.
 *
 * @example
 * const total = await withLock('ledger', async (lock) => {
 *   return applyPayments({ fencingToken: lock.fencingToken, signal: lock.signal });
 * }, { duration: 5, timeout: 30 });
 *
 * @param resourceId - The resource to lock; see {@link DynamoDbLock}.
 * @param work - Runs while the lock is held; gets the lock, and its result is returned.
 * @param options - The lock's options and `acquire()`'s together; `autoRenew` defaults to true.
 * @param internals - Test seam (an injected clock); not part of the supported API.
 */
export async function withLock<T>(
  resourceId: string,
  work: (lock: DynamoDbLock) => T | PromiseLike<T>,
  options?: WithLockOptions,
  internals?: LockInternals,
): Promise<T> {
  checkFunction(work, 'work');
  const lockOptions: Record<string, unknown> = {};
  const acquireOptions: Record<string, unknown> = {};
  if (options !== undefined) {
    for (const [key, value] of Object.entries(checkObject(options, 'withLock options'))) {
      if (key === 'autoRenew') continue;
      (ACQUIRE_OPTION_KEYS.has(key) ? acquireOptions : lockOptions)[key] = value;
    }
  }
  const lock = new DynamoDbLock(
    resourceId,
    { ...(lockOptions as LockOptions), autoRenew: options?.autoRenew ?? true },
    internals,
  );
  if (!(await lock.acquire(acquireOptions as AcquireOptions))) {
    throw new LockUnavailableError(
      lock.resourceId,
      acquireOptions.blocking === false
        ? `The lock on \`${lock.resourceId}\` is held elsewhere`
        : `Timed out waiting for the lock on \`${lock.resourceId}\``,
    );
  }
  let result: T;
  try {
    result = await work(lock);
  } catch (error) {
    try {
      await lock.release();
    } catch (releaseError) {
      // The work's own error is the one the caller needs; the release failure is only logged.
      loggerOf(options).warn(`releasing '${lock.resourceId}' after the work failed also failed`, releaseError);
    }
    throw error;
  }
  await lock.release();
  return result;
}
