import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ATTR, parseHolder } from '../item.js';

/** Prefix of the owner code a forced release writes, so that `status` can say so. */
export const FORCED_CODE_PREFIX = 'forced-';

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
