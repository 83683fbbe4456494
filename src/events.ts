import { type Channel, channel } from 'node:diagnostics_channel';
import type { ElectionEvent } from './election/options.js';
import { AbortedError, type LostReason } from './errors.js';
import type { LeaderElection } from './leader-election.js';
import type { DynamoDbLock } from './lock.js';
import { ignoreRejection, type Logger } from './runtime/logger.js';

/**
 * How an `acquire()` call ended: `acquired`; `timeout` (a blocking acquire's `timeout` ran out);
 * `unavailable` (`blocking: false` found the lock held); `aborted` (its `signal`); `error` (it
 * threw anything else).
 */
export type AcquireOutcome = 'acquired' | 'timeout' | 'unavailable' | 'aborted' | 'error';

/** How an acquire ended, from whether it holds the lock, its `blocking` option, and what it threw. */
export function acquireOutcome(
  held: boolean,
  blocking: boolean,
  failure: { readonly error: unknown } | undefined,
): AcquireOutcome {
  if (failure !== undefined) return failure.error instanceof AbortedError ? 'aborted' : 'error';
  if (held) return 'acquired';
  return blocking ? 'timeout' : 'unavailable';
}

/**
 * Emitted when an `acquire()` call begins, synchronously inside the call (so in the caller's
 * async context). A call refused before it begins (a bad option, an instance already holding or
 * acquiring, a signal already aborted) emits neither this nor {@link AcquireEndedEvent}.
 */
export interface AcquireStartedEvent {
  readonly resourceId: string;
  /** The call's `blocking` option. */
  readonly blocking: boolean;
  /** The call's `timeout`, ms; undefined for none. */
  readonly timeoutMs: number | undefined;
}

/** Emitted when an `acquire()` call that emitted {@link AcquireStartedEvent} settles, whatever the outcome. */
export interface AcquireEndedEvent {
  readonly resourceId: string;
  readonly outcome: AcquireOutcome;
  /** Time from the call until it settled, ms. */
  readonly waitMs: number;
  /** With outcome `aborted` or `error`: what `acquire()` threw. */
  readonly error?: unknown;
}

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
  /** True for auto-renewal, false for a call to `extend()` (or `setData()`). */
  readonly automatic: boolean;
  /** How long the extend took, from its first write to the answer that succeeded (retries included), ms. */
  readonly durationMs: number;
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
  /** How long the lease had been held when it was lost, ms. */
  readonly heldMs: number;
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
  readonly acquireStarted?: (event: AcquireStartedEvent) => void;
  readonly acquireEnded?: (event: AcquireEndedEvent) => void;
  readonly acquired?: (event: AcquiredEvent) => void;
  readonly contended?: (event: ContendedEvent) => void;
  readonly throttled?: (event: ThrottledEvent) => void;
  readonly extended?: (event: ExtendedEvent) => void;
  readonly lost?: (event: LostEvent) => void;
  readonly released?: (event: ReleasedEvent) => void;
}

export const HOOK_NAMES: readonly (keyof LockHooks)[] = [
  'acquireStarted',
  'acquireEnded',
  'acquired',
  'contended',
  'throttled',
  'extended',
  'lost',
  'released',
];

/**
 * What a lock publishes on each event's diagnostics channel (`dynamo-dlm:lock:<hook name>`, see
 * {@link lockChannelName}): the very event its hook receives, and which lock and table it is
 * about. Every lock in the process publishes, whatever its hooks, but only while the channel has
 * subscribers: this is how `dynamo-dlm/opentelemetry` sees every lock without the core
 * depending on anything.
 */
export interface LockMessage<K extends keyof LockHooks = keyof LockHooks> {
  readonly lock: DynamoDbLock;
  readonly tableName: string;
  readonly event: Parameters<NonNullable<LockHooks[K]>>[0];
}

/** Where a lock's events go besides its hooks: which lock and table they are about. */
export interface EventOrigin {
  readonly lock: DynamoDbLock;
  readonly tableName: string;
}

/** The diagnostics channel of the lock event `name`. */
export function lockChannelName(name: keyof LockHooks): string {
  return `dynamo-dlm:lock:${name}`;
}

// Created once and held for the life of the process, so that `hasSubscribers` is one property read.
const CHANNELS = Object.fromEntries(HOOK_NAMES.map((name) => [name, channel(lockChannelName(name))])) as Record<
  keyof LockHooks,
  Channel
>;

/**
 * Calls one hook, shielding the lock from it, then publishes the event on its diagnostics
 * channel if anyone subscribed. (A subscriber that throws is Node's business: it rethrows on the
 * next tick. The one this package ships catches everything.)
 */
export function emit<K extends keyof LockHooks>(
  hooks: LockHooks | undefined,
  name: K,
  event: Parameters<NonNullable<LockHooks[K]>>[0],
  logger: Logger,
  origin: EventOrigin,
): void {
  const hook = hooks?.[name] as ((e: typeof event) => void) | undefined;
  if (hook !== undefined) {
    try {
      // An async hook's rejection is dropped too: hooks report, they never steer the lock.
      ignoreRejection(hook(event));
    } catch (error) {
      logger.error(`the '${name}' hook threw; ignored`, error);
    }
  }
  const ch = CHANNELS[name];
  if (ch.hasSubscribers) ch.publish({ lock: origin.lock, tableName: origin.tableName, event } satisfies LockMessage<K>);
}

/** The diagnostics channel a `LeaderElection` publishes its events on. */
export const ELECTION_CHANNEL_NAME = 'dynamo-dlm:election';

/**
 * What a `LeaderElection` publishes on {@link ELECTION_CHANNEL_NAME} while it has subscribers:
 * the event its `events()` iterator yields, and which election and table it is about.
 */
export interface ElectionMessage {
  readonly election: LeaderElection;
  readonly tableName: string;
  readonly event: ElectionEvent;
}

const ELECTION_CHANNEL = channel(ELECTION_CHANNEL_NAME);

/** Publishes an election's event on its diagnostics channel, if anyone subscribed. */
export function publishElection(message: ElectionMessage): void {
  if (ELECTION_CHANNEL.hasSubscribers) ELECTION_CHANNEL.publish(message);
}
