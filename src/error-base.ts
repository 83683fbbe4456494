/**
 * The base of every error this library throws: the codes, the base class, and each code's class
 * name. The classes themselves are in `errors.ts`, which re-exports what is public from here.
 */

/** Stable, documented error codes. */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'LOCK_NOT_ACQUIRED'
  | 'ALREADY_ACQUIRED'
  | 'LOCK_LOST'
  | 'LOCK_UNAVAILABLE'
  | 'ABORTED'
  | 'THROTTLED'
  | 'TABLE_NOT_FOUND'
  | 'DYNAMODB_ERROR'
  | 'LOCK_RELEASED'
  | 'LEASE_TOO_SHORT'
  | 'MISCONFIGURED'
  | 'UNREACHABLE'
  | 'TRANSACTIONS_UNSUPPORTED';

/**
 * Base class of every error thrown by dynamo-dlm. Each subclass has its own literal `code`; to
 * narrow an unknown error by its code, use {@link isDynamoDlmError}.
 *
 * @example
 * try {
 *   await lock.release();
 * } catch (error) {
 *   if (error instanceof DynamoDlmError && error.code === 'LOCK_LOST') await reconcile();
 *   else throw error;
 * }
 */
export class DynamoDlmError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /**
   * The class's name, written out (minifiers rename classes, so `constructor.name` would drift):
   * each subclass's from {@link ERROR_NAMES} by its code, this base class's own otherwise.
   */
  override get name(): string {
    return Object.getPrototypeOf(this) === DynamoDlmError.prototype ? 'DynamoDlmError' : ERROR_NAMES[this.code];
  }
}

/**
 * The codes at run time, each with the name of its class (the `Record` type makes the compiler
 * fail when one is missing): what `name` says, also after a minifier renamed the classes.
 */
export const ERROR_NAMES: Readonly<Record<ErrorCode, string>> = {
  INVALID_ARGUMENT: 'InvalidArgumentError',
  LOCK_NOT_ACQUIRED: 'LockNotAcquiredError',
  ALREADY_ACQUIRED: 'AlreadyAcquiredError',
  LOCK_LOST: 'LockLostError',
  LOCK_UNAVAILABLE: 'LockUnavailableError',
  ABORTED: 'AbortedError',
  THROTTLED: 'ThrottledError',
  TABLE_NOT_FOUND: 'TableNotFoundError',
  DYNAMODB_ERROR: 'DynamoDbError',
  LOCK_RELEASED: 'LockReleasedError',
  LEASE_TOO_SHORT: 'LeaseTooShortError',
  MISCONFIGURED: 'MisconfiguredError',
  UNREACHABLE: 'UnreachableError',
  TRANSACTIONS_UNSUPPORTED: 'TransactionsUnsupportedError',
};
