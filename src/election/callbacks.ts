import type { Clock } from '../runtime/clock.js';
import type { Logger } from '../runtime/logger.js';
import type { DeposedReason, LeaderElectionOptions, Leadership } from './options.js';

/**
 * How `LeaderElection` calls user code: a callback's throw, rejection or endless promise must
 * never break the election. Internal.
 */

/**
 * Calls `onElected`; the promise resolves when what it returned settles, and never rejects. A
 * failure while the term still runs ends the term: a leader whose work has died must not keep
 * the standbys waiting.
 */
export function callElected(
  onElected: LeaderElectionOptions['onElected'],
  leadership: Leadership,
  end: (reason: DeposedReason, error: unknown) => void,
  logger: Logger,
  name: string,
): Promise<void> {
  if (onElected === undefined) return Promise.resolve();
  const failed = (error: unknown): void => {
    if (leadership.signal.aborted) {
      // Rejecting once the signal aborted is how aborted work commonly finishes.
      logger.debug(`onElected of '${name}' ended with`, error);
      return;
    }
    logger.error(`onElected of '${name}' failed; resigning term ${leadership.term}`, error);
    end('resigned', error);
  };
  try {
    return Promise.resolve(onElected(leadership)).then(() => undefined, failed);
  } catch (error) {
    failed(error);
    return Promise.resolve();
  }
}

/** Calls a user callback and forgets it; a throw or rejection is logged, never propagated. */
export function shield(fn: () => unknown, logger: Logger, what: string): void {
  const failed = (error: unknown): void => logger.error(`${what} failed`, error);
  try {
    Promise.resolve(fn()).catch(failed);
  } catch (error) {
    failed(error);
  }
}

/**
 * Waits for a term's work (what `onElected` returned) for at most `limitMs`, so that work that
 * never settles cannot keep the lease from being handed over. Resolves `true` if it was late.
 */
export async function settleWithin(clock: Clock, work: Promise<void>, limitMs: number): Promise<boolean> {
  const timeout = new AbortController();
  const timedOut = clock.sleep(limitMs, timeout.signal).then(
    () => true,
    () => false,
  );
  const late = await Promise.race([work.then(() => false), timedOut]);
  timeout.abort();
  return late;
}
