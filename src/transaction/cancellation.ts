import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { TransactionsUnsupportedError } from '../errors.js';

/**
 * How the lock reads a failed `TransactWriteItems`: a cancellation says, item by item and in
 * the order sent, why (`ConditionalCheckFailed`, `TransactionConflict`, `None` for an item that
 * was not the reason, ...), with the item itself where the element asked for `ALL_OLD`.
 */

/** Why one item of a cancelled transaction stopped it, and the item as it stood. */
export interface Reason {
  readonly code: string | undefined;
  readonly item: Record<string, AttributeValue> | undefined;
}

/** The reasons of a `TransactionCanceledException`, one per item sent; `undefined` for any other error. */
export function cancellationReasons(error: unknown): readonly Reason[] | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  if ((error as { name?: unknown }).name !== 'TransactionCanceledException') return undefined;
  const list: unknown = (error as { CancellationReasons?: unknown }).CancellationReasons;
  if (!Array.isArray(list)) return [];
  return list.map((r: unknown) => {
    const reason = (typeof r === 'object' && r !== null ? r : {}) as { Code?: unknown; Item?: unknown };
    return {
      code: typeof reason.Code === 'string' ? reason.Code : undefined,
      item:
        typeof reason.Item === 'object' && reason.Item !== null
          ? (reason.Item as Record<string, AttributeValue>)
          : undefined,
    };
  });
}

/** An item's condition was false. */
export const CONDITION_FAILED = 'ConditionalCheckFailed';
/** Another transaction or write was in progress on an item: nothing was applied, and a retry may pass. */
export const CONFLICT = 'TransactionConflict';
/** Reasons that mean DynamoDB asked to slow down. */
const THROTTLE_CODES = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']);

/** What a cancelled transaction calls for. */
export type Verdict =
  /** At least one item's condition failed: these indices. */
  | { readonly kind: 'condition'; readonly failed: readonly number[] }
  /** Only conflicts (and items that were not the reason): retry, it is not contention. */
  | { readonly kind: 'conflict' }
  /** Throttled: back off as for any throttling. */
  | { readonly kind: 'throttled' }
  /** Anything else (a validation error on an item, ...): not retried. */
  | { readonly kind: 'other' };

/** Reads a cancellation: a failed condition outweighs throttling, which outweighs a conflict. */
export function verdict(reasons: readonly Reason[]): Verdict {
  const failed = reasons.flatMap((r, i) => (r.code === CONDITION_FAILED ? [i] : []));
  if (failed.length > 0) return { kind: 'condition', failed };
  if (reasons.some((r) => r.code !== undefined && THROTTLE_CODES.has(r.code))) return { kind: 'throttled' };
  if (reasons.some((r) => r.code === CONFLICT)) return { kind: 'conflict' };
  return { kind: 'other' };
}

/**
 * The typed error for an endpoint without transactions, or `undefined` when `error` is not
 * that. dynalite answers an operation it does not know with `UnknownOperationException`.
 */
export function unsupported(error: unknown): TransactionsUnsupportedError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  if ((error as { name?: unknown }).name !== 'UnknownOperationException') return undefined;
  return new TransactionsUnsupportedError(
    'This DynamoDB endpoint has no transactions (TransactWriteItems): lock-checked writes and multi-resource locks need ' +
      'DynamoDB or DynamoDB Local. dynalite (used by `dynamo-dlm/testing` and `dynamo-dlm local`) has none. Nothing was written',
    { cause: error },
  );
}
