import { abortError, type Clock } from '../runtime/clock.js';

/**
 * Waiters in one process for the same lock (same client, table and resource) line up here, first
 * come first served, so that only the first of them polls DynamoDB and a local release hands the
 * lock to the next at once, instead of every waiter sending its own billed, failing writes.
 * Waiters in other processes still compete through DynamoDB as before: this only takes the
 * process's own waiters out of that competition. A lock of `concurrency` N lets up to N turns out
 * at once, so that the process's holders can fill every slot. Internal to `DynamoDbLock`.
 */

/** A place at the head of the line: held while acquiring and while holding the lease. */
export interface Turn {
  /** Hands the turn to the next waiter. Safe to call more than once. */
  leave(): void;
}

interface Line {
  /** Turns out (acquiring or holding), at most the line's capacity. */
  out: number;
  readonly waiting: (() => void)[];
}

// Keyed by the client object, so that locks on different endpoints never share a line.
const lines = new WeakMap<object, Map<string, Line>>();

/** Keeps the process alive while a waiter has no timer of its own (an unbounded wait). */
const KEEP_ALIVE_MS = 2 ** 30;

/**
 * Waits for this process's turn at the lock `key` on `client`, of which `capacity` may be out
 * at once (the lock's `concurrency`; every lock sharing a `key` must pass the same).
 *
 * @returns the turn, or `undefined` when `deadline` (monotonic ms, `Infinity` for none) passed first.
 * @throws {@link AbortedError} when `signal` aborts while waiting.
 */
export function waitTurn(
  client: object,
  key: string,
  clock: Clock,
  signal: AbortSignal | undefined,
  deadline: number,
  capacity = 1,
): Promise<Turn | undefined> {
  let byKey = lines.get(client);
  if (byKey === undefined) {
    byKey = new Map();
    lines.set(client, byKey);
  }
  let line = byKey.get(key);
  if (line === undefined) {
    line = { out: 0, waiting: [] };
    byKey.set(key, line);
  }
  const turn = turnOf(byKey, key, line);
  if (line.out < capacity) {
    line.out++;
    return Promise.resolve(turn);
  }
  if (signal?.aborted) return Promise.reject(abortError(signal));
  const queued = line;
  return new Promise<Turn | undefined>((resolve, reject) => {
    const stopTimer = new AbortController();
    const keepAlive = setInterval(() => undefined, KEEP_ALIVE_MS);
    const settle = (): void => {
      clearInterval(keepAlive);
      stopTimer.abort();
      signal?.removeEventListener('abort', onAbort);
      const at = queued.waiting.indexOf(wake);
      if (at >= 0) queued.waiting.splice(at, 1);
    };
    const wake = (): void => {
      settle();
      resolve(turn);
    };
    const onAbort = (): void => {
      settle();
      reject(abortError(signal as AbortSignal));
    };
    queued.waiting.push(wake);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (Number.isFinite(deadline)) {
      clock.sleep(Math.max(0, deadline - clock.monotonic()), stopTimer.signal).then(
        () => {
          settle();
          resolve(undefined);
        },
        () => undefined, // woken or aborted first
      );
    }
  });
}

function turnOf(byKey: Map<string, Line>, key: string, line: Line): Turn {
  let left = false;
  return {
    leave(): void {
      if (left) return;
      left = true;
      const next = line.waiting.shift();
      // The turn passes straight to the next waiter: `out` stays the same.
      if (next !== undefined) {
        next();
      } else if (--line.out === 0 && byKey.get(key) === line) {
        byKey.delete(key);
      }
    },
  };
}
