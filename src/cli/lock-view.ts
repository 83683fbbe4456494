import { randomBytes } from 'node:crypto';
import { type AttributeValue, type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ATTR, parseHolder } from '../item.js';
import { wrapSdkError } from '../sdk-errors.js';

/** Prefix of the owner code a forced release writes, so that `status` can say so. */
export const FORCED_CODE_PREFIX = 'forced-';

/** A fresh owner code that marks a forced release: no holder has it, so none can renew. */
export function forcedCode(): string {
  return `${FORCED_CODE_PREFIX}${randomBytes(12).toString('hex')}`;
}

/**
 * - `free`: no item (never locked, or deleted by TTL);
 * - `held`: a lease that has not ended by the reader's clock;
 * - `expired`: the holder neither released nor renewed (it crashed or hung); free to take
 *   once the clock-skew allowance has passed;
 * - `released`: a released marker.
 */
export type LockState = 'free' | 'held' | 'expired' | 'released';

/** What `status` and `list` show of one lock item. */
export interface LockView {
  readonly resourceId: string;
  readonly state: LockState;
  /** The first 8 characters of the owner code: enough to tell holders apart, not to impersonate. */
  readonly holder: string | undefined;
  /** Lease end, epoch ms; undefined when free or released. */
  readonly expiresAt: number | undefined;
  readonly fencingToken: number | undefined;
  /** The last release was `release --force`. */
  readonly forced: boolean;
}

/** A lock item as read: what `status` shows, and what a forced release must find unchanged. */
export interface LockRead {
  readonly view: LockView;
  /** The full owner code (never printed: shown only as {@link LockView.holder}). */
  readonly code: string | undefined;
}

/**
 * Reads one lock item (a strongly consistent GetItem), judged at `now`. SDK errors become the
 * library's typed errors.
 */
export async function readLock(
  client: DynamoDBClient,
  tableName: string,
  resourceId: string,
  now: () => number = Date.now,
): Promise<LockRead> {
  const key = { [ATTR.resourceId]: { S: resourceId } };
  const out = await client
    .send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }))
    .catch((error: unknown) => {
      throw wrapSdkError(error, resourceId, tableName, 'GetItem');
    });
  return { view: viewLock(resourceId, out.Item, now()), code: parseHolder(out.Item)?.releaseCode };
}

/** Reads a raw lock item as of `nowMs`. Pure. */
export function viewLock(
  resourceId: string,
  item: Record<string, AttributeValue> | undefined,
  nowMs: number,
): LockView {
  const holder = parseHolder(item);
  if (item === undefined || holder === undefined) {
    return {
      resourceId,
      state: 'free',
      holder: undefined,
      expiresAt: undefined,
      fencingToken: undefined,
      forced: false,
    };
  }
  const code = holder.releaseCode;
  const forced = code?.startsWith(FORCED_CODE_PREFIX) ?? false;
  const state: LockState = holder.released
    ? 'released'
    : holder.expiresMs !== undefined && holder.expiresMs > nowMs
      ? 'held'
      : 'expired';
  return {
    resourceId: item[ATTR.resourceId]?.S ?? resourceId,
    state,
    holder: code === undefined || forced ? undefined : code.slice(0, 8),
    expiresAt: holder.released ? undefined : holder.expiresMs,
    fencingToken: holder.fencingToken,
    forced,
  };
}
