import { AbortedError } from './errors.js';

/**
 * The seam through which the lock reads time, sleeps and draws randomness, so that tests can
 * drive backoff and leases exactly without faking global timers (which would break real waits
 * on a real server). Internal: not exported from the package entry.
 */
export interface Clock {
  /** Wall-clock epoch milliseconds: written to DynamoDB, compared with other holders' expiry. */
  now(): number;
  /** Monotonic milliseconds: judges this process's own lease, immune to wall-clock steps. */
  monotonic(): number;
  /** Resolves after `ms`, or rejects with an {@link AbortedError} as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Runs `fn` after `ms` without keeping the process alive; returns a cancel function. */
  setTimer(ms: number, fn: () => void): () => void;
  /** Uniform in [0, 1). */
  random(): number;
}

/** Turns an abort reason into the error a caller sees. */
export function abortError(signal: AbortSignal): AbortedError {
  const reason: unknown = signal.reason;
  const detail = reason instanceof Error ? `: ${reason.message}` : '';
  return new AbortedError(`The operation was aborted${detail}`, { cause: reason });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal as AbortSignal));
    };
    // Not unref'd: a caller awaiting `acquire()` at the top level of a script must be kept
    // alive until the lock is had (lease timers, by contrast, are unref'd).
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function setTimer(ms: number, fn: () => void): () => void {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  sleep,
  setTimer,
  random: Math.random,
};
