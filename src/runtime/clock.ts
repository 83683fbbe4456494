import { AbortedError } from '../errors.js';

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

/** An abort signal for one request: the caller's, plus an abort at a monotonic deadline. */
export interface DeadlineSignal {
  /** Undefined when there is neither a caller's signal nor a deadline. */
  readonly signal: AbortSignal | undefined;
  /** Whether the deadline (not the caller) aborted it. */
  timedOut(): boolean;
  /** Clears the deadline timer; call it once the request settled. */
  cancel(): void;
}

/**
 * The caller's `signal`, plus an abort at `deadline` (monotonic ms, `Infinity` for none), so that
 * a hung request on a client without a request timeout cannot outlive the wait it belongs to.
 *
 * Not `AbortSignal.any([signal, ...])`: on Node 20 every signal that makes stays referenced from
 * the caller's signal for as long as that one lives (about 60 bytes per call), and a caller's
 * signal often lives as long as the process (a shutdown signal passed to every acquire, an
 * election's stop signal). A listener removed by `cancel()` leaves nothing behind.
 */
export function deadlineSignal(clock: Clock, signal: AbortSignal | undefined, deadline: number): DeadlineSignal {
  if (!Number.isFinite(deadline)) return { signal, timedOut: () => false, cancel: () => undefined };
  const controller = new AbortController();
  let timedOut = false;
  const cancelTimer = clock.setTimer(Math.max(0, deadline - clock.monotonic()), () => {
    timedOut = true;
    controller.abort();
  });
  if (signal === undefined) return { signal: controller.signal, timedOut: () => timedOut, cancel: cancelTimer };
  const onAbort = (): void => controller.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    cancel: () => {
      cancelTimer();
      signal.removeEventListener('abort', onAbort);
    },
  };
}
