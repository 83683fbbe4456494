import { checkBoolean, checkKeys, checkObject, checkSeconds, checkSignal } from './validate.js';

/** Options of one `acquire()` call. */
export interface AcquireOptions {
  /**
   * Wait until the lock is free. With `false`, make one attempt and resolve `false` if the
   * lock is held elsewhere.
   * @default true
   */
  readonly blocking?: boolean;
  /**
   * Give up waiting after this many seconds and resolve `false`. At most 2147483.647 (about
   * 24.8 days), the longest delay a Node timer holds.
   * @default no limit
   */
  readonly timeout?: number;
  /** Abort the wait: `acquire()` rejects with an `AbortedError` and nothing is left held. */
  readonly signal?: AbortSignal;
  /**
   * Renew this lease in the background (overrides the lock's `autoRenew`).
   * @default the lock's `autoRenew`
   */
  readonly autoRenew?: boolean;
}

export const ACQUIRE_OPTION_KEYS: ReadonlySet<string> = new Set(['blocking', 'timeout', 'signal', 'autoRenew']);

/** Validated acquire options. */
export interface ResolvedAcquireOptions {
  readonly blocking: boolean;
  readonly timeoutMs: number | undefined;
  readonly signal: AbortSignal | undefined;
  readonly autoRenew: boolean | undefined;
}

/** Validates the options of one `acquire()` call. */
export function resolveAcquireOptions(input: unknown, where = 'acquire options'): ResolvedAcquireOptions {
  const o = input === undefined ? {} : checkObject(input, where);
  checkKeys(o, ACQUIRE_OPTION_KEYS, where);
  return {
    blocking: o.blocking === undefined ? true : checkBoolean(o.blocking, 'blocking'),
    timeoutMs: o.timeout === undefined ? undefined : checkSeconds(o.timeout, 'timeout'),
    signal: o.signal === undefined ? undefined : checkSignal(o.signal),
    autoRenew: o.autoRenew === undefined ? undefined : checkBoolean(o.autoRenew, 'autoRenew'),
  };
}
