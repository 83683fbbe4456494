import type { LostReason } from './errors.js';
import { ignoreRejection, type Logger } from './runtime/logger.js';

/** Emitted when an acquire succeeds. */
export interface AcquiredEvent {
  /** The lock's resource id (as in every event). */
  readonly resourceId: string;
  /** The slot (`concurrency_id`) of a `'slots'` lock; undefined on a `'single'` table. */
  readonly slot?: number | undefined;
  /** Time from the call to `acquire()` until the lock was held, ms. */
  readonly waitMs: number;
  /**
   * Attempts sent, including the successful one: writes that could take the lock, and writes
   * that failed (throttled or transient). A queued waiter's ticket and looks at the queue are
   * writes too, but not attempts.
   */
  readonly attempts: number;
  /** The new acquisition's fencing token. */
  readonly fencingToken: number;
  /** True when the lease was taken over from a holder that had not released it. */
  readonly tookOver: boolean;
}

/** Emitted when an acquire attempt finds the lock held elsewhere. */
export interface ContendedEvent {
  readonly resourceId: string;
  /** The slot this attempt wrote (`concurrency_id`) on a `'slots'` table; undefined on a `'single'` one. */
  readonly slot?: number | undefined;
  /** Attempts so far in this `acquire()`, starting at 1. */
  readonly attempt: number;
  /** The holder's lease end, where the server returned the holder. */
  readonly holderExpiresAt: Date | undefined;
  /** How long the lock waits before its next attempt, ms. */
  readonly delayMs: number;
}

/** Emitted when DynamoDB throttles a request, or a request fails transiently and is retried. */
export interface ThrottledEvent {
  readonly resourceId: string;
  /** The slot written (`concurrency_id`) on a `'slots'` table; undefined on a `'single'` one. */
  readonly slot?: number | undefined;
  readonly operation: 'acquire' | 'extend' | 'release';
  /** Failed attempts so far of this operation, starting at 1. */
  readonly attempt: number;
  /** How long the lock waits before retrying, ms. */
  readonly delayMs: number;
  /** The SDK error that caused the retry. */
  readonly error: unknown;
}

/** Emitted when a lease was extended (by `extend()` or auto-renewal). */
export interface ExtendedEvent {
  readonly resourceId: string;
  /** The slot (`concurrency_id`) of a `'slots'` lock; undefined on a `'single'` table. */
  readonly slot?: number | undefined;
  /** The new lease end, by this process's clock. */
  readonly expiresAt: Date;
  /** True for auto-renewal, false for a call to `extend()`. */
  readonly automatic: boolean;
}

/** Emitted once when a lease is lost. */
export interface LostEvent {
  readonly resourceId: string;
  /** The slot (`concurrency_id`) of a `'slots'` lock; undefined on a `'single'` table. */
  readonly slot?: number | undefined;
  /** Why the lease was lost. */
  readonly reason: LostReason;
  /** The fencing token of the lost acquisition. */
  readonly fencingToken: number;
  /** With reason `taken`: the `owner` of whoever took it, when the server said (as {@link LockLostError.owner}). */
  readonly owner: string | undefined;
}

/** Emitted when a lease was released. */
export interface ReleasedEvent {
  readonly resourceId: string;
  /** The slot (`concurrency_id`) of a `'slots'` lock; undefined on a `'single'` table. */
  readonly slot?: number | undefined;
  /** How long the lease was held, ms. */
  readonly heldMs: number;
  /** The fencing token of the released acquisition. */
  readonly fencingToken: number;
}

/**
 * Hooks for metrics and tracing, all optional. They run synchronously; an exception thrown by a
 * hook is logged and otherwise ignored, never breaking the lock.
 *
 * @example
 * const lock = new DynamoDbLock('job', {
 *   hooks: {
 *     acquired: (e) => metrics.histogram('lock.wait_ms', e.waitMs),
 *     lost: (e) => metrics.increment('lock.lost', { reason: e.reason }),
 *   },
 * });
 */
export interface LockHooks {
  readonly acquired?: (event: AcquiredEvent) => void;
  readonly contended?: (event: ContendedEvent) => void;
  readonly throttled?: (event: ThrottledEvent) => void;
  readonly extended?: (event: ExtendedEvent) => void;
  readonly lost?: (event: LostEvent) => void;
  readonly released?: (event: ReleasedEvent) => void;
}

/** Calls one hook, shielding the lock from it. */
export function emit<K extends keyof LockHooks>(
  hooks: LockHooks | undefined,
  name: K,
  event: Parameters<NonNullable<LockHooks[K]>>[0],
  logger: Logger,
): void {
  const hook = hooks?.[name] as ((e: typeof event) => void) | undefined;
  if (hook === undefined) return;
  try {
    // An async hook's rejection is dropped too: hooks report, they never steer the lock.
    ignoreRejection(hook(event));
  } catch (error) {
    logger.error(`the '${name}' hook threw; ignored`, error);
  }
}

export const HOOK_NAMES: readonly (keyof LockHooks)[] = [
  'acquired',
  'contended',
  'throttled',
  'extended',
  'lost',
  'released',
];
