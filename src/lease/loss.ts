import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { LockLostError, type LostReason } from '../errors.js';
import { parseHolder } from '../item/attributes.js';

const WHY: Record<LostReason, string> = {
  taken: 'another owner holds it now',
  expired: 'it ran out before it was renewed or released',
  unreachable: 'DynamoDB could not be reached to renew it in time',
  forced: 'it was released by force (`dynamo-dlm release --force`)',
};

/** What the item returned with a refused renewal or release says became of the lease of `code`, `fencingToken`. */
export interface Refusal {
  readonly reason: 'taken' | 'forced';
  /** Who holds it now, when the item says (reason `taken`). */
  readonly owner: string | undefined;
}

/**
 * Reads a refusal: a released marker that still carries this lease's fencing token under another
 * owner code was released by force (a forced release keeps the token and writes a fresh code,
 * and an ordinary release keeps the releaser's code); anything else, or no item at all (dynalite
 * returns none), is another owner's.
 */
export function refusal(item: Record<string, AttributeValue> | undefined, code: string, fencingToken: number): Refusal {
  const holder = parseHolder(item);
  const forced = holder?.released === true && holder.fencingToken === fencingToken && holder.releaseCode !== code;
  return forced ? { reason: 'forced', owner: undefined } : { reason: 'taken', owner: holder?.owner };
}

/** What is known about a lost lease. */
export interface Loss {
  readonly resourceId: string;
  /** The slot, on a 'slots' table. */
  readonly slot: number | undefined;
  readonly fencingToken: number;
  readonly reason: LostReason;
  /** The SDK error that showed it, if any. */
  readonly cause?: unknown;
  /** Who took the lease, when the server returned the item that refused us. */
  readonly owner?: string | undefined;
}

/** The {@link LockLostError} for a loss, with a message that says which lease and why. */
export function lostError(l: Loss): LockLostError {
  const why = l.owner === undefined ? WHY[l.reason] : `${WHY[l.reason]} (\`${l.owner}\`)`;
  const where = l.slot === undefined ? '' : ` (slot ${l.slot})`;
  const extra = { slot: l.slot, owner: l.owner };
  return new LockLostError(
    l.resourceId,
    l.reason,
    `The lease on \`${l.resourceId}\`${where} (fencing token ${l.fencingToken}) was lost: ${why}`,
    l.cause === undefined ? extra : { cause: l.cause, ...extra },
  );
}
