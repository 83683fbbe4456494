import { LockLostError, type LostReason } from '../errors.js';

const WHY: Record<LostReason, string> = {
  taken: 'another owner holds it now',
  expired: 'it ran out before it was renewed or released',
  unreachable: 'DynamoDB could not be reached to renew it in time',
};

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
