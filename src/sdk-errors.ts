import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDbError, type DynamoDlmError, TableNotFoundError, ThrottledError } from './errors.js';

/**
 * How the lock reads an SDK v3 error. Matches on `name` (SDK v3), never on v2's `code`.
 */
export type ErrorKind =
  /** The condition failed: someone else holds the lock (or we no longer do). */
  | 'conditional'
  /** DynamoDB asked us to slow down. */
  | 'throttled'
  /** The table does not exist. */
  | 'missing-table'
  /**
   * A failure after which the write may or may not have been applied (timeouts, resets, 5xx,
   * an aborted in-flight request). Retrying our idempotent writes is safe.
   */
  | 'transient'
  /** Anything else: a bug, bad credentials, a wrong table schema. Not retried. */
  | 'fatal';

const THROTTLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);

const TRANSIENT_NAMES = new Set([
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'AbortError',
  'TransactionInProgressException',
]);

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);

interface SdkLikeError {
  name?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: number };
  Item?: Record<string, AttributeValue>;
}

/** Classifies an error thrown by `client.send`. */
export function classify(error: unknown): ErrorKind {
  if (typeof error !== 'object' || error === null) return 'fatal';
  const e = error as SdkLikeError;
  const name = typeof e.name === 'string' ? e.name : '';
  if (name === 'ConditionalCheckFailedException') return 'conditional';
  if (THROTTLE_NAMES.has(name)) return 'throttled';
  if (name === 'ResourceNotFoundException') return 'missing-table';
  if (TRANSIENT_NAMES.has(name)) return 'transient';
  if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return 'transient';
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 500) return 'transient';
  // A network-level failure never reached DynamoDB's error parser: no status at all.
  if (status === undefined && !('$fault' in e) && e.code === undefined && error instanceof Error) {
    return /socket|network|timed? ?out|ECONN|EPIPE/i.test(error.message) ? 'transient' : 'fatal';
  }
  return 'fatal';
}

/** The item a failed conditional write returned (ALL_OLD), where the server supports it. */
export function conditionItem(error: unknown): Record<string, AttributeValue> | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  return (error as SdkLikeError).Item;
}

/**
 * The typed error a caller sees for an SDK error the lock does not handle itself: the table is
 * missing, throttling outlasted the retry budget, or anything else (with a hint when the table's
 * key schema is the likely cause). The SDK error is kept as `cause`.
 */
export function wrapSdkError(error: unknown, resourceId: string, tableName: string, operation: string): DynamoDlmError {
  const kind = classify(error);
  if (kind === 'missing-table') return new TableNotFoundError(tableName, { cause: error });
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (kind === 'throttled') {
    return new ThrottledError(`DynamoDB kept throttling ${operation} of \`${resourceId}\` (${detail})`, {
      cause: error,
    });
  }
  const hint =
    error instanceof Error && error.name === 'ValidationException'
      ? ` (is \`${tableName}\` keyed by \`resource_id\` (String) with no sort key?)`
      : '';
  return new DynamoDbError(`${operation} of \`${resourceId}\` failed: ${detail}${hint}`, { cause: error });
}
