/**
 * Every error this library throws is a {@link DynamoDlmError} with a stable `code`.
 * Match on `code` (or `instanceof`), never on the message.
 */
import { DynamoDlmError, ERROR_NAMES, type ErrorCode } from './error-base.js';

export { DynamoDlmError, type ErrorCode } from './error-base.js';

/**
 * An argument or option was invalid. Thrown before any request is sent.
 *
 * @example
 * new DynamoDbLock('') // throws InvalidArgumentError: Expected `resourceId` to be a non-empty string ...
 */
export class InvalidArgumentError extends DynamoDlmError {
  declare readonly code: 'INVALID_ARGUMENT';
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/**
 * `release()` or `extend()` was called on an instance that does not hold the lock.
 * The name is kept from Python dynamo-dlm.
 */
export class LockNotAcquiredError extends DynamoDlmError {
  declare readonly code: 'LOCK_NOT_ACQUIRED';
  constructor(message: string) {
    super('LOCK_NOT_ACQUIRED', message);
  }
}

/** `acquire()` was called on an instance that already holds (or is acquiring) the lock. */
export class AlreadyAcquiredError extends DynamoDlmError {
  declare readonly code: 'ALREADY_ACQUIRED';
  constructor(message: string) {
    super('ALREADY_ACQUIRED', message);
  }
}

/** Why a lease was lost. */
export type LostReason =
  /** Another owner holds the lock now. */
  | 'taken'
  /** The lease ran out (by this process's own clock) before it was renewed or released. */
  | 'expired'
  /** DynamoDB could not be reached to renew the lease in time. */
  | 'unreachable'
  /**
   * Released by force (`dynamo-dlm release --force`), as the item returned with the refused
   * write showed: this lease's fencing token under another owner code, and nobody holding it.
   * (Once someone has acquired it since, the item shows only `taken`.)
   */
  | 'forced';

/**
 * The lease this instance held was lost: taken by another owner, expired before renewal or
 * release, unrenewable because DynamoDB was unreachable, or released by force. Work done after the loss was not
 * protected by the lock.
 *
 * Rejected by `release()`, `extend()` and `withLock()`, and the `reason` of `lock.signal`.
 *
 * @example
 * lock.signal.addEventListener('abort', () => {
 *   const lost = lock.signal.reason as LockLostError;
 *   console.warn(`stop writing: lease lost (${lost.reason})`);
 * });
 */
export class LockLostError extends DynamoDlmError {
  declare readonly code: 'LOCK_LOST';
  /** Why the lease was lost. */
  readonly reason: LostReason;
  /** The resource whose lease was lost. */
  readonly resourceId: string;
  /** The slot (`concurrency_id`) whose lease was lost, on a `'slots'` table; undefined otherwise. */
  readonly slot: number | undefined;
  /**
   * The `owner` of whoever took the lease (reason `taken`), when the server said: DynamoDB
   * returns the item with a refused renewal or release; some emulators (dynalite) return
   * nothing, and a holder that writes no owner (Python dynamo-dlm) has none to give.
   */
  readonly owner: string | undefined;

  constructor(
    resourceId: string,
    reason: LostReason,
    message: string,
    options?: { cause?: unknown; slot?: number | undefined; owner?: string | undefined },
  ) {
    super('LOCK_LOST', message, options === undefined || !('cause' in options) ? undefined : { cause: options.cause });
    this.reason = reason;
    this.resourceId = resourceId;
    this.slot = options?.slot;
    this.owner = options?.owner;
  }
}

/** An `acquire()` was aborted through its `AbortSignal`. Nothing is left held. */
export class AbortedError extends DynamoDlmError {
  declare readonly code: 'ABORTED';
  constructor(message: string, options?: { cause?: unknown }) {
    super('ABORTED', message, options);
  }
}

/**
 * DynamoDB kept throttling a request past the lock's retry budget: a release (five attempts,
 * within the lease) or a non-blocking acquire (three attempts). A blocking acquire keeps trying
 * until its `timeout`; an extend that cannot get through loses the lease (`LockLostError`,
 * reason `unreachable`).
 */
export class ThrottledError extends DynamoDlmError {
  declare readonly code: 'THROTTLED';
  constructor(message: string, options?: { cause?: unknown }) {
    super('THROTTLED', message, options);
  }
}

/** The lock table does not exist (or is not active). Create it with `createLockTable()`. */
export class TableNotFoundError extends DynamoDlmError {
  declare readonly code: 'TABLE_NOT_FOUND';
  /** The table that was not found. */
  readonly tableName: string;

  constructor(tableName: string, options?: { cause?: unknown }) {
    super(
      'TABLE_NOT_FOUND',
      `DynamoDB table \`${tableName}\` was not found; create it with createLockTable() or \`dynamo-dlm create-table\``,
      options,
    );
    this.tableName = tableName;
  }
}

/**
 * Any other DynamoDB or network failure, wrapped (the SDK error is the `cause`); also a table
 * that cannot hold a lock safely, found by `createLockTable`: another key schema, or a global
 * table without multi-region strong consistency. Also thrown by `dynamo-dlm/testing` when the
 * embedded DynamoDB cannot start.
 */
export class DynamoDbError extends DynamoDlmError {
  declare readonly code: 'DYNAMODB_ERROR';
  constructor(message: string, options?: { cause?: unknown }) {
    super('DYNAMODB_ERROR', message, options);
  }
}

/**
 * `withLock` could not acquire the lock: held elsewhere (`blocking: false`) or `timeout` ran out.
 * `cause` is the last refusal (the SDK's `ConditionalCheckFailedException`) or error the acquire
 * met; undefined only when the timeout ran out before this acquire sent anything (it waited
 * behind another acquire of the same lock in this process).
 */
export class LockUnavailableError extends DynamoDlmError {
  declare readonly code: 'LOCK_UNAVAILABLE';
  /** The resource that could not be locked. */
  readonly resourceId: string;

  constructor(resourceId: string, message: string, options?: { cause?: unknown }) {
    super('LOCK_UNAVAILABLE', message, options);
    this.resourceId = resourceId;
  }
}

/**
 * The reason of `lock.signal` once the lease was released: the holder let go on purpose, so work
 * still running under the lock (fire-and-forget work started inside `withLock`) must stop. Not a
 * loss: nothing was taken from the holder.
 */
export class LockReleasedError extends DynamoDlmError {
  declare readonly code: 'LOCK_RELEASED';
  /** The resource that was released. */
  readonly resourceId: string;

  constructor(resourceId: string, message: string) {
    super('LOCK_RELEASED', message);
    this.resourceId = resourceId;
  }
}

/**
 * An acquire kept getting its answers too late to use the lease: the round trip to DynamoDB is
 * longer than `duration` less `safetyMargin`. Retrying cannot help; use a longer `duration`.
 */
export class LeaseTooShortError extends DynamoDlmError {
  declare readonly code: 'LEASE_TOO_SHORT';
  /** The resource that could not be locked. */
  readonly resourceId: string;

  constructor(resourceId: string, message: string) {
    super('LEASE_TOO_SHORT', message);
    this.resourceId = resourceId;
  }
}

/**
 * DynamoDB cannot be used as configured, and retrying cannot change that: no region, no
 * credentials, access denied, a host name that does not resolve (before DynamoDB ever answered
 * through this client), a TLS failure. Thrown at once by the request that shows it, blocking
 * acquires included. `cause` is the SDK error.
 */
export class MisconfiguredError extends DynamoDlmError {
  declare readonly code: 'MISCONFIGURED';
  /** The endpoint the client was given, when one was set. */
  readonly endpoint: string | undefined;

  constructor(message: string, options?: { cause?: unknown; endpoint?: string | undefined }) {
    super(
      'MISCONFIGURED',
      message,
      options === undefined || !('cause' in options) ? undefined : { cause: options.cause },
    );
    this.endpoint = options?.endpoint;
  }
}

/**
 * DynamoDB gave no answer: the connection was refused or reset, or nothing came back within the
 * cut-off. An acquire that never had an answer rejects with it rather than report the lock as
 * busy (a `timeout` that ran out, a `blocking: false` try); `createLockTable` when a request got
 * no answer within 5 s. `cause` is the last error.
 */
export class UnreachableError extends DynamoDlmError {
  declare readonly code: 'UNREACHABLE';
  /** The endpoint the client was given, when one was set. */
  readonly endpoint: string | undefined;

  constructor(message: string, options?: { cause?: unknown; endpoint?: string | undefined }) {
    super(
      'UNREACHABLE',
      message,
      options === undefined || !('cause' in options) ? undefined : { cause: options.cause },
    );
    this.endpoint = options?.endpoint;
  }
}

/**
 * The DynamoDB endpoint has no transactions (`TransactWriteItems`): dynalite, which
 * `dynamo-dlm/testing` and `dynamo-dlm local` run, has none. Lock-checked writes
 * (`lock.transactWrite`) and multi-resource locks (`DynamoDbMultiLock`) need DynamoDB or
 * DynamoDB Local. Nothing was written. The server's error is the `cause`.
 */
export class TransactionsUnsupportedError extends DynamoDlmError {
  declare readonly code: 'TRANSACTIONS_UNSUPPORTED';

  constructor(message: string, options?: { cause?: unknown }) {
    super('TRANSACTIONS_UNSUPPORTED', message, options);
  }
}

/**
 * Every error class of this package, one per `code`: a union discriminated by `code`, so that
 * checking the code narrows to the class (`.reason` after `'LOCK_LOST'`). {@link isDynamoDlmError}
 * narrows an unknown value to it.
 */
export type AnyDynamoDlmError =
  | InvalidArgumentError
  | LockNotAcquiredError
  | AlreadyAcquiredError
  | LockLostError
  | LockUnavailableError
  | AbortedError
  | ThrottledError
  | TableNotFoundError
  | DynamoDbError
  | LockReleasedError
  | LeaseTooShortError
  | MisconfiguredError
  | UnreachableError
  | TransactionsUnsupportedError;

/** The error class of a code: `ErrorOfCode<'LOCK_LOST'>` is `LockLostError`. */
export type ErrorOfCode<C extends ErrorCode> = Extract<AnyDynamoDlmError, { readonly code: C }>;

/**
 * Whether `value` is an error of this package, and of `code` if one is given. It narrows the
 * value to the error's class: to {@link AnyDynamoDlmError}, whose `code` then narrows further (in
 * a `switch`), or straight to the class of `code`.
 *
 * @throws {@link InvalidArgumentError} if `code` is given and is not an {@link ErrorCode}: a
 * mistyped code would otherwise never match.
 *
 * @example
 * try {
 *   await lock.release();
 * } catch (error) {
 *   if (isDynamoDlmError(error, 'LOCK_LOST')) console.warn(`lost (${error.reason})`);
 *   else throw error;
 * }
 */
export function isDynamoDlmError(value: unknown): value is AnyDynamoDlmError;
export function isDynamoDlmError<C extends ErrorCode>(value: unknown, code: C): value is ErrorOfCode<C>;
export function isDynamoDlmError(value: unknown, code?: ErrorCode): boolean {
  if (code !== undefined && !Object.hasOwn(ERROR_NAMES, code)) {
    throw new InvalidArgumentError(
      `Expected \`code\` to be one of ${Object.keys(ERROR_NAMES).join(', ')}, got ${JSON.stringify(code)}`,
    );
  }
  return value instanceof DynamoDlmError && (code === undefined || value.code === code);
}
