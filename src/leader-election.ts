import { callElected, settleWithin, shield } from './election/callbacks.js';
import { setCampaignLock } from './election/campaign-lock.js';
import { EventHub } from './election/event-stream.js';
import {
  type DeposedInfo,
  type DeposedReason,
  type ElectionEvent,
  type LeaderElectionOptions,
  type Leadership,
  type ResolvedElectionOptions,
  resolveElectionOptions,
} from './election/options.js';
import { openTerm, permanent } from './election/term.js';
import { type ElectionLock, electionLockOf } from './election/test-seam.js';
import { LockLostError } from './errors.js';
import { publishElection } from './events.js';
import { DynamoDbLock } from './lock.js';
import type { Clock } from './runtime/clock.js';
import { type Deferred, deferred } from './runtime/deferred.js';
import { type Logger, resolveLogger, shieldLogger } from './runtime/logger.js';
import { clockOf, withClock } from './runtime/test-seam.js';

export type { DeposedInfo, DeposedReason, ElectionEvent, LeaderElectionOptions, Leadership };

/** The term being led: its leadership, and how it is ended. */
interface Term {
  readonly leadership: Leadership;
  /** Ends the term; the first call wins. */
  end(reason: DeposedReason, error?: unknown): void;
  /** Settles once the term's lease has been released (or found lost). */
  readonly over: Promise<void>;
}

/** Keeps a started election's process alive: a leader's lease timers alone do not. */
const KEEP_ALIVE_MS = 2 ** 30;

/**
 * Leader election on the lock's lease: of all the instances campaigning under one name (in any
 * process, on any machine), at most one leads at any time. The leader holds an auto-renewed
 * `DynamoDbLock` on the name; standbys wait for it with a blocking `acquire()`, so a standby
 * costs what the lock's waiting costs. Shaped after client-go's `leaderelection` and etcd's
 * `Election`.
 *
 * A term ends when the lease is lost (its signal aborts `safetyMargin` before the lease would
 * end, so a leader steps down before it could be taken over, never after), on `resign()`, or on
 * `stop()`. After a term the election campaigns again, until stopped. To see who leads now from
 * anywhere, read the lock: `readLock(name, { client, tableName })` gives the holder and its
 * fencing token, which is the term.
 *
 * @example
 * const election = new LeaderElection('scheduler', {
 *   client, duration: 10, // seconds
 *   onElected: async ({ signal, term }) => runScheduler({ signal, fencingToken: term }),
 *   onDeposed: (reason) => console.log(`no longer leading: ${reason}`),
 * });
 * await election.start();
 * process.once('SIGTERM', () => void election.stop());
 */
export class LeaderElection implements AsyncDisposable {
  /** The election's name: the lock's resource id. */
  readonly name: string;

  readonly #o: ResolvedElectionOptions;
  readonly #lock: ElectionLock;
  readonly #tableName: string;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #durationMs: number;
  /** Ended when the election stops (by `stop()`, or by itself), reopened by `start()`. */
  readonly #events = new EventHub<ElectionEvent>();
  #stop: AbortController | undefined;
  #run: Promise<void> | undefined;
  #term: Term | undefined;
  #keepAlive: ReturnType<typeof setInterval> | undefined;
  readonly #onSignal = (signal: NodeJS.Signals): void => {
    this.#logger.info(`${signal}: resigning the leadership of '${this.name}'`);
    void this.stop().finally(() => {
      // Ours was the only listener: end the process as the signal would have without us.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  };

  /**
   * Validates everything (unknown keys, callbacks, the lock's options) before any request.
   *
   * @param name - The election's name, a lock resource id: every instance campaigning under it
   * (with the same table) competes for one leadership.
   * @param options - The callbacks, `settleTimeout`, `handleSignals`, and the lock's options.
   * @throws {@link InvalidArgumentError} for a bad name or option.
   */
  constructor(name: string, options?: LeaderElectionOptions) {
    this.#o = resolveElectionOptions(options);
    this.#clock = clockOf(options);
    const lock = new DynamoDbLock(name, withClock(this.#o.lockOptions, this.#clock));
    this.name = lock.resourceId;
    this.#durationMs = lock.duration * 1000;
    this.#lock = electionLockOf(options) ?? lock;
    this.#tableName = lock.tableName;
    setCampaignLock(this, this.#lock);
    // A logger that throws must not break the election it reports on.
    this.#logger = shieldLogger(resolveLogger(options?.logger));
  }

  /**
   * Starts campaigning, in the background until {@link stop}. Resolves after the first attempt:
   * `isLeader()` is then true if it won at once (and `onElected` has been called). Does nothing
   * if already started.
   *
   * @throws {@link TableNotFoundError} if the lock table does not exist, and
   * {@link MisconfiguredError} when DynamoDB cannot be used as configured (no region, no
   * credentials, access denied, an unknown host); the election is then stopped. The same errors
   * met later stop it too: logged, and a `failed` event on {@link events}. Other failures are
   * logged and the campaign goes on.
   */
  async start(): Promise<void> {
    // Started again while stopping: let the stop finish first.
    if (this.#stop?.signal.aborted) await this.#run;
    if (this.#run !== undefined) return;
    this.#events.reopen();
    const stop = new AbortController();
    this.#stop = stop;
    this.#keepAlive = setInterval(() => undefined, KEEP_ALIVE_MS);
    if (this.#o.handleSignals) for (const s of ['SIGTERM', 'SIGINT'] as const) process.on(s, this.#onSignal);
    const first = deferred<void>();
    const run = this.#campaign(stop.signal, first).finally(() => {
      if (this.#run === run) this.#stopped();
    });
    this.#run = run;
    await first.promise;
  }

  /**
   * Stops campaigning and resigns: ends the current term (its signal aborts, `onDeposed` gets
   * `stopped`), waits up to `settleTimeout` for `onElected`'s promise, and releases the lease
   * so that a standby takes over on its next attempt. Ends every iterator of {@link events},
   * including those taken before `start()`. Always settles; never rejects.
   */
  async stop(): Promise<void> {
    this.#stop?.abort();
    await this.#run;
    // Never started: the iterators taken meanwhile end too. (A campaign ends them as it stops.)
    if (this.#run === undefined) this.#events.end();
  }

  /**
   * Steps down from the current term (reason `resigned`) and hands the lease over, like
   * {@link stop}, but keeps campaigning after standing aside for one lease `duration`, so that a
   * standby can take over. Resolves once the lease is released; does nothing when not leading.
   */
  async resign(): Promise<void> {
    const term = this.#term;
    if (term === undefined) return;
    term.end('resigned');
    await term.over;
  }

  /**
   * Whether this instance leads now: in a term that has not ended, with more than
   * `safetyMargin` of the lease left by this process's monotonic clock.
   */
  isLeader(): boolean {
    const term = this.#term;
    return term !== undefined && !term.leadership.signal.aborted && this.#lock.locked();
  }

  /** The current term while leading (as given to `onElected`); undefined otherwise. */
  get leadership(): Leadership | undefined {
    return this.isLeader() ? this.#term?.leadership : undefined;
  }

  /**
   * When the current term's lease ends, by this process's clock: each renewal moves it on.
   * Defined from the win until the term's lease is released, including while a term that has
   * ended waits for `onElected` to settle; undefined otherwise. Work that must stop before the
   * lease could end without a renewal (a child process given time to exit, say) plans its
   * deadline from it.
   */
  get expiresAt(): Date | undefined {
    return this.#term === undefined ? undefined : this.#lock.expiresAt;
  }

  /**
   * The election's events as an async iterator: `elected` (with the term's signal and number)
   * and `deposed` (with the reason), in order, none missed while unread, and `failed` (with the
   * error) if the election stops itself. It ends when the election stops (`stop()` ends it even
   * if taken before `start()`), or when the loop breaks; taken after `stop()`, before any new
   * `start()`, it has already ended.
   *
   * @example
   * for await (const event of election.events()) console.log(event.type);
   */
  events(): AsyncIterableIterator<ElectionEvent> {
    return this.#events.open();
  }

  /** Stops the election (as {@link stop}). Makes `await using` work. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  // --- the campaign ---------------------------------------------------------------------------

  async #campaign(stop: AbortSignal, first: Deferred<void>): Promise<void> {
    // The first attempt is a single write, so that start() can report a missing table and say
    // whether it won; later ones wait for the lock for as long as it takes.
    let blocking = false;
    try {
      while (!stop.aborted) {
        let won = false;
        try {
          won = await this.#lock.acquire({ blocking, signal: stop, autoRenew: true });
        } catch (error) {
          if (!stop.aborted && permanent(error)) {
            this.#failed(error, blocking ? undefined : first);
            return;
          }
          if (!stop.aborted && !blocking) {
            // The single first attempt gives up on throttling early; the blocking ones do not.
            this.#logger.warn(`the first attempt to lead '${this.name}' failed; campaigning on`, error);
          } else if (!stop.aborted) {
            // What still fails a blocking acquire (a malformed item, an unexpected error): retry slowly.
            this.#logger.error(
              `campaigning for '${this.name}' failed; trying again in ${this.#durationMs / 1000} s`,
              error,
            );
            first.resolve();
            await this.#pause(this.#durationMs, stop);
          }
        }
        blocking = true;
        if (!won) {
          first.resolve();
          continue;
        }
        const term = this.#lead(stop);
        first.resolve();
        const reason = await term;
        // Stand aside after resigning, or this instance would win its own lease straight back.
        if (reason === 'resigned') await this.#pause(this.#durationMs, stop);
      }
    } finally {
      first.resolve();
    }
  }

  /** One term: from the won acquire until the lease is released. Resolves with why it ended. */
  async #lead(stop: AbortSignal): Promise<DeposedReason> {
    const lock = this.#lock;
    const term = openTerm(lock, stop, this.name);
    const { leadership, end } = term;
    const over = deferred<void>();
    this.#term = { leadership, end, over: over.promise };
    this.#emit({ type: 'elected', ...leadership });
    const work = callElected(this.#o.onElected, leadership, end, this.#logger, this.name);

    const { reason, error } = await term.ended;
    term.detach();
    const info: DeposedInfo = error === undefined ? { term: leadership.term } : { term: leadership.term, error };
    this.#emit({ type: 'deposed', reason, ...info });
    shield(() => this.#o.onDeposed?.(reason, info), this.#logger, `onDeposed of '${this.name}'`);
    // Let the work finish while the lease still protects it, then hand the lease over.
    await this.#settle(work);
    try {
      await lock.release();
    } catch (releaseError) {
      // A lost lease has nothing left to release; anything else expires by itself.
      if (!(releaseError instanceof LockLostError)) {
        this.#logger.warn(`releasing the leadership of '${this.name}' failed; it expires by itself`, releaseError);
      }
    }
    this.#term = undefined;
    over.resolve();
    return reason;
  }

  /** Waits for the term's work, at most `settleTimeout`. */
  async #settle(work: Promise<void>): Promise<void> {
    const limitMs = this.#o.settleTimeoutMs ?? this.#durationMs;
    if (await settleWithin(this.#clock, work, limitMs)) {
      this.#logger.warn(
        `onElected of '${this.name}' has not settled ${limitMs / 1000} s after its term ended; going on`,
      );
    }
  }

  /**
   * Stops the campaign on an error no retry can fix: `start()` rejects with it when it came at
   * the first attempt (`first`); later, it is logged. Either way the iterators get it as a
   * `failed` event, then end.
   */
  #failed(error: unknown, first: Deferred<void> | undefined): void {
    this.#emit({ type: 'failed', error });
    if (first !== undefined) first.reject(error);
    else this.#logger.error(`the election for '${this.name}' stopped: it cannot go on`, error);
  }

  #emit(event: ElectionEvent): void {
    this.#events.push(event);
    publishElection({ election: this, tableName: this.#tableName, event });
  }

  /** An abortable pause; resolves either way. */
  #pause(ms: number, signal: AbortSignal): Promise<void> {
    return this.#clock.sleep(ms, signal).catch(() => undefined);
  }

  #stopped(): void {
    this.#stop = undefined;
    this.#run = undefined;
    clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
    for (const s of ['SIGTERM', 'SIGINT'] as const) process.off(s, this.#onSignal);
    this.#events.end();
  }
}
