import { InvalidArgumentError, type LostReason } from '../errors.js';
import { LOCK_OPTION_KEYS, type LockOptions } from '../options/lock-options.js';
import { checkBoolean, checkFunction, checkKeys, checkObject, checkSeconds } from '../options/validate.js';

/**
 * Why a term of leadership ended:
 * - `taken`, `expired`, `unreachable`: the lease was lost (as `LockLostError.reason`); the
 *   term's signal aborted `safetyMargin` before the lease would have ended. The election
 *   campaigns again.
 * - `resigned`: this instance stepped down while still campaigning: `resign()` was called, or
 *   `onElected` threw or rejected while leading. It stands aside for one lease `duration`, then
 *   campaigns again.
 * - `stopped`: `stop()` ended the campaign; the lease was released for a standby to take.
 */
export type DeposedReason = LostReason | 'resigned' | 'stopped';

/** One term of leadership, as given to `onElected`. */
export interface Leadership {
  /**
   * The term number: the lease's fencing token, strictly greater than every term (and every
   * fencing token) before it for this election's name. Pass it to the resources you write.
   */
  readonly term: number;
  /** The same number as `term`, under the lock's name for it. */
  readonly fencingToken: number;
  /**
   * Aborts when this term ends, for whatever reason: lost (at least `safetyMargin` before the
   * lease would end), resigned or stopped. Its `reason` is the `LockLostError` when the lease
   * was lost, an `AbortedError` otherwise. Stop leading when it aborts.
   */
  readonly signal: AbortSignal;
  /**
   * The term began by taking over a lease whose holder never released it (it crashed, hung or
   * lost its network): the previous leader's work may need recovery.
   */
  readonly tookOver: boolean;
}

/** What `onDeposed` is told besides the reason. */
export interface DeposedInfo {
  /** The term that ended. */
  readonly term: number;
  /**
   * The `LockLostError` when the lease was lost; what `onElected` threw when that ended the
   * term; undefined for `resign()` and `stop()`.
   */
  readonly error?: unknown;
}

/**
 * An event of {@link LeaderElection.events}: a term began (`elected`) or ended (`deposed`), or
 * the election stopped itself on an error that campaigning on cannot fix (`failed`: a
 * `MisconfiguredError` or `TableNotFoundError`); the iterators end after it.
 */
export type ElectionEvent =
  | ({ readonly type: 'elected' } & Leadership)
  | ({ readonly type: 'deposed'; readonly reason: DeposedReason } & DeposedInfo)
  | { readonly type: 'failed'; readonly error: unknown };

/**
 * Options of a {@link LeaderElection}: the lock's options (the election's lease is a
 * `DynamoDbLock` on the election's name, always auto-renewed, always of concurrency 1: one
 * leader) and the election's own. On a `'slots'` table the leader holds slot 0.
 */
export interface LeaderElectionOptions extends Omit<LockOptions, 'autoRenew' | 'concurrency'> {
  /**
   * Called when this instance becomes leader. Lead until `leadership.signal` aborts. It may
   * return a promise: the election waits (up to `settleTimeout`) for it to settle after the
   * term ends, before it releases the lease and campaigns again. A throw or rejection while
   * still leading ends the term (reason `resigned`); it never stops the election.
   * @default none
   */
  readonly onElected?: (leadership: Leadership) => void | PromiseLike<void>;
  /**
   * Called when a term ends, as its signal aborts, with the reason. Its throw or rejection is
   * logged and otherwise ignored.
   * @default none
   */
  readonly onDeposed?: (reason: DeposedReason, info: DeposedInfo) => void | PromiseLike<void>;
  /**
   * Seconds to wait, after a term ends, for `onElected`'s promise to settle before going on
   * (releasing the lease, campaigning again, resolving `stop()`) without it.
   * @default the lease `duration`
   */
  readonly settleTimeout?: number;
  /**
   * Resign on SIGTERM and SIGINT: `stop()`, then re-raise the signal if nothing else listens
   * for it, so that the process ends as it would have. Off by default: a library should not
   * change how a process answers signals behind its back.
   * @default false
   */
  readonly handleSignals?: boolean;
}

/** The election's own options, validated; the rest goes to the lock unchanged. */
export interface ResolvedElectionOptions {
  readonly lockOptions: LockOptions;
  readonly onElected: LeaderElectionOptions['onElected'];
  readonly onDeposed: LeaderElectionOptions['onDeposed'];
  /** Undefined: the lease duration. */
  readonly settleTimeoutMs: number | undefined;
  readonly handleSignals: boolean;
}

const ELECTION_KEYS = ['onElected', 'onDeposed', 'settleTimeout', 'handleSignals'];

/** Lock options an election sets itself: a leader always renews, and there is one leader. */
const FIXED_KEYS: Record<string, string> = {
  autoRenew: 'a leader always renews its lease while it leads',
  concurrency: 'an election has one leader (concurrency 1)',
};

/** Keys a LeaderElection accepts: the lock's (they follow its option list), less the fixed ones. */
function allowedKeys(): ReadonlySet<string> {
  return new Set([...[...LOCK_OPTION_KEYS].filter((k) => !(k in FIXED_KEYS)), ...ELECTION_KEYS]);
}

/**
 * Validates the election's own options and splits off the lock's, which the lock then
 * validates itself (still before any request).
 */
export function resolveElectionOptions(input: unknown): ResolvedElectionOptions {
  const o = input === undefined ? {} : checkObject(input, 'election options');
  for (const [key, why] of Object.entries(FIXED_KEYS)) {
    if (key in o) throw new InvalidArgumentError(`Unknown option \`${key}\` in election options: ${why}`);
  }
  checkKeys(o, allowedKeys(), 'election options');
  if (o.onElected !== undefined) checkFunction(o.onElected, 'onElected');
  if (o.onDeposed !== undefined) checkFunction(o.onDeposed, 'onDeposed');
  const lockOptions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(o)) if (!ELECTION_KEYS.includes(key)) lockOptions[key] = value;
  return {
    // concurrency 1 whatever `defaults.concurrency` says: two leaders would be no election.
    lockOptions: { ...(lockOptions as LockOptions), autoRenew: true, concurrency: 1 },
    onElected: o.onElected as LeaderElectionOptions['onElected'],
    onDeposed: o.onDeposed as LeaderElectionOptions['onDeposed'],
    settleTimeoutMs: o.settleTimeout === undefined ? undefined : checkSeconds(o.settleTimeout, 'settleTimeout'),
    handleSignals: o.handleSignals === undefined ? false : checkBoolean(o.handleSignals, 'handleSignals'),
  };
}
