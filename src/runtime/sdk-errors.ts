import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  DynamoDbError,
  type DynamoDlmError,
  MisconfiguredError,
  TableNotFoundError,
  ThrottledError,
} from '../errors.js';
import type { TableLayout } from '../item/attributes.js';

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
  /**
   * The client cannot use DynamoDB as configured, and no retry can change that: no region, no
   * credentials, access denied, a TLS failure. Not retried. (An unknown host is `transient`
   * here: see {@link unknownHost}.)
   */
  | 'misconfigured'
  /** Anything else: a bug, a wrong table schema. Not retried. */
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
  // A single-item write that meets a transaction in progress on its item (a multi-lock's
  // acquire, a lock-checked write) is refused unapplied: retried like any transient failure.
  'TransactionConflictException',
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

/** Refusals of the caller's identity or permissions: a configuration to fix, not a moment to wait out. */
const MISCONFIGURED_NAMES = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
  'InvalidClientTokenId',
  'ExpiredTokenException',
  // The SDK's own, before any request: no credentials found.
  'CredentialsProviderError',
  'TokenProviderError',
]);

/** TLS failures: the endpoint speaks no TLS, or its certificate is not one the client trusts. */
const TLS_CODE =
  /^(EPROTO|ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|HOSTNAME_MISMATCH)/;

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
  if (MISCONFIGURED_NAMES.has(name)) return 'misconfigured';
  if (typeof e.code === 'string' && TLS_CODE.test(e.code)) return 'misconfigured';
  // The SDK's own, before any request: a plain Error.
  if (error instanceof Error && /^Region is missing/.test(error.message)) return 'misconfigured';
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

/**
 * DynamoDB (or something in front of it speaking HTTP) answered: the error carries an HTTP
 * status. A refusal, throttling or a 500 all prove that the endpoint exists and listens.
 */
export function answered(error: unknown): boolean {
  return typeof (error as SdkLikeError | null)?.$metadata?.httpStatusCode === 'number';
}

/**
 * The endpoint's host name does not resolve. Before DynamoDB ever answered through the client,
 * that is a wrong endpoint or region, and waiting cannot fix it; after, it is a resolver's
 * hiccup, retried like any transient failure.
 */
export function unknownHost(error: unknown): boolean {
  return (error as SdkLikeError | null)?.code === 'ENOTFOUND';
}

/**
 * The request never left this machine (the connection was refused, the host name did not
 * resolve): unlike other transient failures, it cannot have been applied.
 */
export function unsent(error: unknown): boolean {
  const code = (error as SdkLikeError | null)?.code;
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
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
export function wrapSdkError(
  error: unknown,
  resourceId: string,
  tableName: string,
  operation: string,
  layout: TableLayout = 'single',
  endpoint?: string,
): DynamoDlmError {
  const kind = classify(error);
  if (kind === 'missing-table') return new TableNotFoundError(tableName, { cause: error });
  const detail = errorText(error);
  if (kind === 'misconfigured') return misconfigured(`${operation} of \`${resourceId}\``, error, endpoint);
  if (kind === 'throttled') {
    return new ThrottledError(`DynamoDB kept throttling ${operation} of \`${resourceId}\` (${detail})`, {
      cause: error,
    });
  }
  if (error instanceof Error && error.name === 'ValidationException') {
    return new DynamoDbError(
      `${operation} of \`${resourceId}\` failed: ${layoutHint(error.message, tableName, layout)} (${detail})`,
      {
        cause: error,
      },
    );
  }
  return new DynamoDbError(`${operation} of \`${resourceId}\` failed: ${detail}`, { cause: error });
}

/**
 * What a ValidationException most likely means for a lock: the table is keyed for the other
 * layout. A 'slots' key on a 1.x table, or a 'single' key on a 2.x table, is refused as a key
 * that does not match the schema; the message names the fix.
 */
function layoutHint(message: string, tableName: string, layout: TableLayout): string {
  // DynamoDB and dynalite: "The provided key element does not match the schema"; DynamoDB
  // Local: "The number of conditions on the keys is invalid".
  const keyMismatch = /key element does not match the schema|number of conditions on the keys/i.test(message);
  if (layout === 'slots') {
    return keyMismatch
      ? `table \`${tableName}\` has no sort key \`concurrency_id\` (Number): it is a 'single' (Python 1.x) table. Use a table created with tableLayout 'slots' (createLockTable({ tableLayout: 'slots' }), or \`dynamo-dlm create-table --table-layout slots\`)`
      : `is \`${tableName}\` keyed by \`resource_id\` (String) and sort key \`concurrency_id\` (Number), as tableLayout 'slots' needs?`;
  }
  return keyMismatch
    ? `table \`${tableName}\` is not keyed by \`resource_id\` alone; if it has sort key \`concurrency_id\` it is a 'slots' (Python 2.x) table: pass tableLayout: 'slots'`
    : `is \`${tableName}\` keyed by \`resource_id\` (String) with no sort key, as tableLayout 'single' needs?`;
}

/** An error as one line: its name and message. */
export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The {@link MisconfiguredError} for `what` (e.g. "acquire of \`x\`") failing with `error`. */
export function misconfigured(what: string, error: unknown, endpoint: string | undefined): MisconfiguredError {
  const where = endpoint === undefined ? '' : ` (endpoint ${endpoint})`;
  return new MisconfiguredError(
    `${what} failed, and retrying cannot help: ${hint(error)}${where}: ${errorText(error)}`,
    {
      cause: error,
      endpoint,
    },
  );
}

/** What to check, for an error that {@link classify} calls misconfigured (or an unknown host). */
function hint(error: unknown): string {
  const e = (error ?? {}) as SdkLikeError;
  if (unknownHost(error)) return "the endpoint's host name does not resolve";
  if (typeof e.code === 'string' && TLS_CODE.test(e.code)) {
    return 'TLS with the endpoint failed (an http:// server given as https://, or an untrusted certificate)';
  }
  if (e.name === 'CredentialsProviderError' || e.name === 'TokenProviderError')
    return 'the client found no credentials';
  if (error instanceof Error && /^Region is missing/.test(error.message)) {
    return 'the client has no region (pass `region`, or set AWS_REGION)';
  }
  return "DynamoDB refused the caller's credentials or permissions";
}
