import type { LockLostError, LostReason } from '../errors.js';

/** The records a {@link Lease} is made of and works with. Internal to `src/lease/`. */

/** What an acquiring write established. */
export interface LeaseStart {
  readonly code: string;
  /** The slot the acquiring write took (0 on a 'single' table). */
  readonly slot: number;
  readonly fencingToken: number;
  readonly tookOver: boolean;
  /** Monotonic time the acquiring write was sent: the lease is measured from there, not from its answer. */
  readonly sentMono: number;
  /** Wall-clock epoch ms the acquiring write was built with. */
  readonly now: number;
  /** The running average of hold times the item carried when acquired, ms. */
  readonly avgHoldMs?: number | undefined;
}

/** One extend: a caller's, `setData`'s, or an automatic renewal. */
export interface Extension {
  /** The lease length asked for, from now, ms. */
  readonly durationMs: number;
  /** A renewal by the lease's own timer (nobody awaits it), not a caller's extend. */
  readonly automatic: boolean;
  /** New `data` written in the same write (`setData`). */
  readonly data?: string;
}

/** How a lease is being lost. */
export interface Losing {
  readonly reason: LostReason;
  /** The SDK error that showed it, if any. */
  readonly cause?: unknown;
  /** Log the loss as a WARNING. @default true */
  readonly log?: boolean;
  /** Who took the lease, when the server returned the item that refused us. */
  readonly owner?: string | undefined;
}

/** The one value that says where a lease is: held, lost while held, or ended (after a loss or not). */
export type LeaseState =
  | { readonly kind: 'held' }
  | { readonly kind: 'lost'; readonly error: LockLostError }
  | { readonly kind: 'ended'; readonly error: LockLostError | undefined };
