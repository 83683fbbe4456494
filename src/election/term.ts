import { AbortedError, LockLostError, MisconfiguredError, TableNotFoundError } from '../errors.js';
import { deferred } from '../runtime/deferred.js';
import type { DeposedReason, Leadership } from './options.js';
import type { ElectionLock } from './test-seam.js';

/** Why a term ended, and the error that ended it, if any. */
export interface TermEnding {
  readonly reason: DeposedReason;
  readonly error?: unknown;
}

/** A term just won: its leadership, how it is ended, and when. */
export interface OpenTerm {
  readonly leadership: Leadership;
  /** Ends the term; the first call wins. */
  end(reason: DeposedReason, error?: unknown): void;
  /** Settles with the first ending: the lease lost, the election stopped, or `end()`. */
  readonly ended: Promise<TermEnding>;
  /** Stops listening to the lease's signal and to `stop`; call once the term has ended. */
  detach(): void;
}

/**
 * Opens the term `lock` has just won: its signal aborts at once, in the same tick as the lock's
 * signal or `stop`, so that the work stops while the lease still holds.
 */
export function openTerm(lock: ElectionLock, stop: AbortSignal, name: string): OpenTerm {
  const controller = new AbortController();
  const fencingToken = lock.fencingToken as number;
  const leadership: Leadership = {
    term: fencingToken,
    fencingToken,
    signal: controller.signal,
    tookOver: lock.tookOver,
  };
  const ended = deferred<TermEnding>();
  let ending: TermEnding | undefined;
  const end = (reason: DeposedReason, error?: unknown): void => {
    if (ending !== undefined) return;
    ending = error === undefined ? { reason } : { reason, error };
    controller.abort(error ?? new AbortedError(`The leadership of '${name}' ended: ${reason}`));
    ended.resolve(ending);
  };
  const lockSignal = lock.signal;
  const onLost = (): void => {
    const lost: unknown = lockSignal.reason;
    end(lost instanceof LockLostError ? lost.reason : 'expired', lost);
  };
  const onStop = (): void => end('stopped');
  lockSignal.addEventListener('abort', onLost, { once: true });
  stop.addEventListener('abort', onStop, { once: true });
  if (lockSignal.aborted) onLost();
  if (stop.aborted) onStop();
  return {
    leadership,
    end,
    ended: ended.promise,
    detach: () => {
      lockSignal.removeEventListener('abort', onLost);
      stop.removeEventListener('abort', onStop);
    },
  };
}

/** Errors no campaign can get past: the election stops on them rather than retry for ever. */
export function permanent(error: unknown): boolean {
  return error instanceof MisconfiguredError || error instanceof TableNotFoundError;
}
