import type { LockLostError } from './errors.js';
import type { Turn } from './local-queue.js';

/**
 * One acquisition of the lock, from the successful write until release or loss: the owner code,
 * the token, when the lease ends by this process's monotonic clock, and the timers that renew it
 * and that abort its signal. Internal to `DynamoDbLock`.
 */
export interface Lease {
  readonly code: string;
  readonly fencingToken: number;
  readonly tookOver: boolean;
  readonly acquiredMono: number;
  /** Lease end by our monotonic clock, measured from when the last successful write was sent. */
  endMono: number;
  /** Lease end as written to DynamoDB, epoch ms by our wall clock. */
  expiresAt: number;
  readonly controller: AbortController;
  autoRenew: boolean;
  cancelExpiry: (() => void) | undefined;
  cancelRenew: (() => void) | undefined;
  /** The last renewal failure, so that a lease running out says "unreachable", not "expired". */
  renewFailure: unknown;
  /**
   * Monotonic time an extend awaiting its answer was sent. Sent in time but unanswered when the
   * lease runs out means "unreachable"; sent too late (the process was paused) means "expired".
   */
  renewSent: number | undefined;
  lost: LockLostError | undefined;
  ended: boolean;
  /** This process's turn at the lock, handed on when the lease ends or is lost. */
  turn: Turn | undefined;
}

/** What an acquiring write established. */
export interface LeaseStart {
  readonly code: string;
  readonly fencingToken: number;
  readonly tookOver: boolean;
  /** Monotonic time the acquiring write was sent: the lease is measured from there, not from its answer. */
  readonly sentMono: number;
  /** Wall-clock epoch ms the acquiring write was built with. */
  readonly now: number;
  readonly durationMs: number;
  readonly autoRenew: boolean;
}

/** A fresh lease, not yet scheduled. */
export function createLease(start: LeaseStart): Lease {
  return {
    code: start.code,
    fencingToken: start.fencingToken,
    tookOver: start.tookOver,
    acquiredMono: start.sentMono,
    endMono: start.sentMono + start.durationMs,
    expiresAt: start.now + start.durationMs,
    controller: new AbortController(),
    autoRenew: start.autoRenew,
    cancelExpiry: undefined,
    cancelRenew: undefined,
    renewFailure: undefined,
    renewSent: undefined,
    lost: undefined,
    ended: false,
    turn: undefined,
  };
}
