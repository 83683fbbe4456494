import { LockNotAcquiredError } from '../errors.js';

/**
 * Where a lock instance is (a `DynamoDbLock` with its `Lease`, a `DynamoDbMultiLock` with its
 * `MultiLease`). One value, so that no two flags can disagree: `held` and `releasing` carry the
 * lease they are about.
 */
export type HolderState<L> =
  | { readonly kind: 'idle' }
  | { readonly kind: 'acquiring' }
  | { readonly kind: 'held'; readonly lease: L }
  | { readonly kind: 'releasing'; readonly lease: L };

/** The state of an instance that holds nothing and is not acquiring. */
export const IDLE = { kind: 'idle' } as const;

/**
 * Releases `lease` through the instance's state: `releasing` while the release runs (so that
 * nothing else starts on it), and idle afterwards whatever the outcome, so that the instance can
 * acquire again. `set` writes the instance's state.
 */
export async function releaseThrough<L extends { release(): Promise<void> }>(
  lease: L,
  set: (state: HolderState<L>) => void,
): Promise<void> {
  set({ kind: 'releasing', lease });
  try {
    await lease.release();
  } finally {
    set(IDLE);
  }
}

/**
 * An aborted signal whose reason is a {@link LockNotAcquiredError} saying `message`: what `signal`
 * returns before the first acquire, so that work started without the lock stops at once.
 */
export function notHeldSignal(message: string): AbortSignal {
  const controller = new AbortController();
  controller.abort(new LockNotAcquiredError(message));
  return controller.signal;
}
