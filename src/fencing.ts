import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { InvalidArgumentError } from './errors.js';
import { checkKeys, checkObject } from './options/validate.js';

/** Options of {@link fencedWrite}. */
export interface FencedWriteOptions {
  /**
   * The attribute of your item that stores the largest token accepted. On a `'slots'` lock,
   * tokens order the holders of one slot: keep one attribute per slot (`fencing_token_2`).
   * @default 'fencing_token'
   */
  readonly attribute?: string;
  /**
   * `'raw'`: attribute values (`{ N: '42' }`), for `@aws-sdk/client-dynamodb` commands.
   * `'document'`: plain values, for `@aws-sdk/lib-dynamodb` commands.
   * @default 'raw'
   */
  readonly form?: 'raw' | 'document';
}

/**
 * The pieces of a write that lands only with a token at least as large as the one the item
 * stores. Merge them into your `PutItem` / `UpdateItem` (or a transaction's `Put` / `Update`):
 * the placeholders (`#dlmFence`, `:dlmFence`) are the helper's own and do not clash with yours.
 */
export interface FencedWrite<V> {
  /**
   * `attribute_not_exists(#dlmFence) OR #dlmFence <= :dlmFence`: the item has no token yet, or
   * one no larger than this one (equal passes: one holder may write several times). Combine with
   * a condition of your own as `(${fence.ConditionExpression}) AND (yours)`.
   */
  readonly ConditionExpression: string;
  readonly ExpressionAttributeNames: Readonly<Record<string, string>>;
  readonly ExpressionAttributeValues: Readonly<Record<string, V>>;
  /** For `UpdateItem`: the SET clause that stores the token, `#dlmFence = :dlmFence`. */
  readonly set: string;
  /** For `PutItem`: the token as an attribute of the item, to spread into `Item`. */
  readonly item: Readonly<Record<string, V>>;
}

const KEYS: ReadonlySet<string> = new Set(['attribute', 'form']);

/**
 * A fenced write, made easy: the condition, names and values that let a resource item accept a
 * write only with a fencing token at least as large as the one it stores, and the clause (or
 * attribute) that stores the new token. This is how the protected resource, not the lock, has
 * the last word over a holder that was paused past its lease: its token is smaller than the
 * next holder's, and its write is refused. For data in DynamoDB, a lock-checked write
 * (`lock.transactWrite`) needs no token on the item at all.
 *
 * @param token - The lock's `fencingToken` (or a multi-lock's `fencingTokens.get(id)`).
 * @throws {@link InvalidArgumentError} for a token that is not a positive safe integer (a lock
 * not acquired has none) or a bad option.
 *
 * @example
 * const fence = fencedWrite(lock.fencingToken);
 * await client.send(new UpdateItemCommand({
 *   TableName: 'reports',
 *   Key: { id: { S: 'daily' } },
 *   UpdateExpression: `SET body = :body, ${fence.set}`,
 *   ConditionExpression: fence.ConditionExpression,
 *   ExpressionAttributeNames: fence.ExpressionAttributeNames,
 *   ExpressionAttributeValues: { ':body': { S: body }, ...fence.ExpressionAttributeValues },
 * }));
 */
export function fencedWrite(
  token: number | undefined,
  options?: FencedWriteOptions & { readonly form?: 'raw' },
): FencedWrite<AttributeValue>;
export function fencedWrite(
  token: number | undefined,
  options: FencedWriteOptions & { readonly form: 'document' },
): FencedWrite<number>;
export function fencedWrite(
  token: number | undefined,
  options?: FencedWriteOptions,
): FencedWrite<AttributeValue | number> {
  if (typeof token !== 'number' || !Number.isSafeInteger(token) || token < 1) {
    throw new InvalidArgumentError(
      `Expected \`token\` to be a fencing token (a positive safe integer: \`lock.fencingToken\` once acquired), got ${token === undefined ? 'undefined (the lock was never acquired?)' : JSON.stringify(token)}`,
    );
  }
  const o = options === undefined ? {} : checkObject(options, 'fencedWrite options');
  checkKeys(o, KEYS, 'fencedWrite options');
  const attribute = o.attribute ?? 'fencing_token';
  if (typeof attribute !== 'string' || attribute.length === 0) {
    throw new InvalidArgumentError(`Expected \`attribute\` to be a non-empty string, got ${JSON.stringify(attribute)}`);
  }
  if (o.form !== undefined && o.form !== 'raw' && o.form !== 'document') {
    throw new InvalidArgumentError(`Expected \`form\` to be 'raw' or 'document', got ${JSON.stringify(o.form)}`);
  }
  const value = o.form === 'document' ? token : { N: String(token) };
  return {
    ConditionExpression: 'attribute_not_exists(#dlmFence) OR #dlmFence <= :dlmFence',
    ExpressionAttributeNames: { '#dlmFence': attribute },
    ExpressionAttributeValues: { ':dlmFence': value },
    set: '#dlmFence = :dlmFence',
    item: { [attribute]: value },
  };
}
