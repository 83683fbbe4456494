import type { DynamoDbLock } from '../lock.js';

/**
 * The election's test seam, kept out of its public signature like the lock's clock (see
 * `runtime/test-seam.ts`): a test attaches a stand-in lock to the options object it passes. Nothing here
 * is exported from the package entry.
 */

/** What the election uses of a lock: the public surface of {@link DynamoDbLock}, nothing more. */
export type ElectionLock = Pick<
  DynamoDbLock,
  'acquire' | 'release' | 'locked' | 'signal' | 'fencingToken' | 'tookOver' | 'expiresAt'
>;

const locks = new WeakMap<object, ElectionLock>();

/** Returns `options` with `lock` attached, for the election built from them to use; for tests. */
export function withElectionLock<const T extends object>(options: T, lock: ElectionLock): T {
  locks.set(options, lock);
  return options;
}

/** The stand-in lock attached to `options`, if any. */
export function electionLockOf(options: unknown): ElectionLock | undefined {
  return typeof options === 'object' && options !== null ? locks.get(options) : undefined;
}
