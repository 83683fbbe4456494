import { randomBytes } from 'node:crypto';
import {
  type DynamoDBClient,
  UpdateItemCommand,
  type UpdateItemCommandInput,
  type UpdateItemCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { backoffDelay, CONTENTION_BACKOFF, THROTTLE_BACKOFF } from './backoff.js';
import { defaultClient } from './client.js';
import { abortError, type Clock, deadlineSignal, systemClock } from './clock.js';
import {
  AlreadyAcquiredError,
  DynamoDbError,
  LockLostError,
  LockNotAcquiredError,
  type LostReason,
  TableNotFoundError,
  ThrottledError,
} from './errors.js';
import { emit } from './events.js';
import { malformation, parseHolder } from './item.js';
import { createLease, type Lease } from './lease.js';
import { type Turn, waitTurn } from './local-queue.js';
import {
  type AcquireOptions,
  type LockOptions,
  type ResolvedAcquireOptions,
  type ResolvedLockOptions,
  resolveAcquireOptions,
  resolveLockOptions,
} from './options.js';
import { acquireRequest, extendRequest, releaseRequest, tokenBase } from './requests.js';
import { classify, conditionItem, wrapSdkError } from './sdk-errors.js';
import { checkResourceId, checkSeconds } from './validate.js';

/** Attempts a release or a manual extend makes through throttling and transient failures. */
const MAX_RELEASE_ATTEMPTS = 5;
/** Attempts a non-blocking acquire makes through throttling and transient failures. */
const MAX_TRY_ATTEMPTS = 3;
/** How long one release write may go unanswered before it counts as a transient failure. */
const RELEASE_ATTEMPT_TIMEOUT_MS = 5_000;

/** A fresh owner code: 32 hex characters, as Python dynamo-dlm writes. */
function newCode(): string {
  return randomBytes(16).toString('hex');
}

type State = 'idle' | 'acquiring' | 'held' | 'releasing';

/** Internal seams for tests; not part of the public API. */
export interface LockInternals {
  readonly clock?: Clock;
}

const NOT_HELD = (() => {
  const controller = new AbortController();
  controller.abort(new LockNotAcquiredError('The lock has not been acquired'));
  return controller.signal;
})();

/**
 * A distributed lock on one logical resource, kept in a DynamoDB table. All instances with the
 * same table and resource id, in any process and on any machine (including Python dynamo-dlm
 * 1.x), exclude each other.
 *
 * @example
 * const lock = new DynamoDbLock('nightly-report', { duration: 30 });
 * await lock.acquire();
 * try {
 *   await buildReport({ signal: lock.signal, fencingToken: lock.fencingToken });
 * } finally {
 *   await lock.release();
 * }
 */
export class DynamoDbLock implements AsyncDisposable {
  /** The resource this lock protects. */
  readonly resourceId: string;
  /** The lock table. */
  readonly tableName: string;
  /** Lease length, seconds. */
  readonly duration: number;

  readonly #o: ResolvedLockOptions;
  /** This lock's place among the process's waiters: one line per table and resource (and client). */
  readonly #lineKey: string;
  readonly #clock: Clock;
  #state: State = 'idle';
  #lease: Lease | undefined;
  #last: Lease | undefined;
  #chain: Promise<unknown> = Promise.resolve();

  /**
   * @param resourceId - Any non-empty string of at most 2048 UTF-8 bytes naming the resource.
   * @param options - Lease length, table, client, logger, renewal and hooks; see {@link LockOptions}.
   * @param internals - Test seam (an injected clock); not part of the supported API.
   * @throws {@link InvalidArgumentError} for a bad id or option, before any request.
   */
  constructor(resourceId: string, options?: LockOptions, internals?: LockInternals) {
    this.resourceId = checkResourceId(resourceId);
    this.#o = resolveLockOptions(options);
    this.tableName = this.#o.tableName;
    this.duration = this.#o.durationMs / 1000;
    this.#lineKey = `${this.tableName}\n${this.resourceId}`;
    this.#clock = internals?.clock ?? systemClock;
  }

  /** The DynamoDB client this lock sends with. */
  get client(): DynamoDBClient {
    return this.#o.client ?? defaultClient();
  }

  /**
   * Whether this instance holds an unexpired lease: acquired, not released, not lost, and its
   * lease (by this process's monotonic clock, less the safety margin) not yet run out.
   */
  locked(): boolean {
    const lease = this.#lease;
    return (
      this.#state === 'held' &&
      lease !== undefined &&
      lease.lost === undefined &&
      this.#clock.monotonic() < lease.endMono - this.#o.marginMs
    );
  }

  /**
   * Aborts when the current lease is lost (taken by another owner, expired before renewal, or
   * unrenewable because DynamoDB is unreachable), at least `safetyMargin` before the lease ends
   * by this process's clock. The reason is a {@link LockLostError}. Before the first acquire it
   * is already aborted; a new acquire gives a new signal.
   */
  get signal(): AbortSignal {
    return (this.#lease ?? this.#last)?.controller.signal ?? NOT_HELD;
  }

  /**
   * The fencing token of the current (or last) acquisition: strictly greater than every token
   * minted before for this resource. Pass it to the resource you protect, and have it reject
   * writes with a smaller token than it has seen.
   */
  get fencingToken(): number | undefined {
    return (this.#lease ?? this.#last)?.fencingToken;
  }

  /**
   * True when the current acquisition took over a lease whose holder had not released it
   * (it crashed, hung or lost its network): the resource may need recovery.
   */
  get tookOver(): boolean {
    return (this.#lease ?? this.#last)?.tookOver ?? false;
  }

  /** When the current lease ends, as a `Date` by this process's clock; undefined when not held. */
  get expiresAt(): Date | undefined {
    return this.#lease === undefined ? undefined : new Date(this.#lease.expiresAt);
  }

  /**
   * Acquires the lock.
   *
   * @returns `true` once held; `false` when `blocking: false` found it held elsewhere or
   * `timeout` ran out. Either way a failed acquire leaves the instance usable, holding nothing.
   * @throws {@link AlreadyAcquiredError} if this instance holds or is acquiring the lock.
   * @throws {@link AbortedError} when `signal` aborts; nothing is left held.
   * @throws {@link TableNotFoundError}, {@link ThrottledError}, {@link DynamoDbError}.
   *
   * @example
   * if (await lock.acquire({ timeout: 2 })) { ... }
   */
  async acquire(options?: AcquireOptions): Promise<boolean> {
    const a = resolveAcquireOptions(options);
    if (this.#state !== 'idle') {
      throw new AlreadyAcquiredError(
        `This instance already ${this.#state === 'acquiring' ? 'is acquiring' : 'holds'} the lock on \`${this.resourceId}\``,
      );
    }
    if (a.signal?.aborted) throw abortError(a.signal);
    this.#state = 'acquiring';
    const started = this.#clock.monotonic();
    const deadline = a.timeoutMs === undefined ? Number.POSITIVE_INFINITY : started + a.timeoutMs;
    // A blocking acquire first waits its turn behind this process's other waiters for the same
    // lock, so that only one of them polls DynamoDB. A single try needs no turn: one write.
    let turn: Turn | undefined;
    let lease: Lease | undefined;
    try {
      if (a.blocking) {
        turn = await waitTurn(this.client, this.#lineKey, this.#clock, a.signal, deadline);
        if (turn === undefined) return false;
      }
      lease = await this.#acquireLoop(a, started, deadline);
      if (lease === undefined) return false;
      lease.turn = turn;
      this.#hold(lease);
      return true;
    } finally {
      // Refused, timed out, aborted or failed: hold nothing, and let the next waiter try.
      if (lease === undefined) {
        turn?.leave();
        this.#state = 'idle';
      }
    }
  }

  /**
   * Pushes the lease end out to `seconds` (default: the lock's `duration`) from now,
   * conditional on still owning it. Never shortens the lease: asking for less than is left
   * keeps the current end.
   *
   * @throws {@link LockNotAcquiredError} if this instance does not hold the lock.
   * @throws {@link LockLostError} if the lease is gone (and `signal` aborts).
   *
   * @example
   * await lock.extend(60); // this step needs up to a minute more
   */
  async extend(seconds?: number): Promise<void> {
    const durationMs = seconds === undefined ? this.#o.durationMs : checkSeconds(seconds, 'seconds');
    const lease = this.#lease;
    if (this.#state !== 'held' || lease === undefined) {
      throw new LockNotAcquiredError(`Cannot extend: this instance does not hold the lock on \`${this.resourceId}\``);
    }
    if (lease.lost !== undefined) throw lease.lost;
    await this.#serial(() => this.#extend(lease, durationMs, false));
  }

  /**
   * Releases the lock.
   *
   * Stops renewal (waiting for a renewal in flight), then writes the release. If another owner
   * took the lease meanwhile, it logs a WARNING, as Python dynamo-dlm did, and rejects with a
   * {@link LockLostError} so that the caller knows the work was not protected; it rejects the
   * same way if the lease had run out before the release was sent. A signal that aborted inside
   * the safety margin, with the release still in time, lost nothing: the release resolves.
   * Either way the instance ends up holding nothing and can acquire again.
   *
   * @throws {@link LockNotAcquiredError} if this instance does not hold the lock.
   * @throws {@link LockLostError} if the lease had been taken by another owner, or had run out.
   */
  async release(): Promise<void> {
    const lease = this.#lease;
    if (this.#state !== 'held' || lease === undefined) {
      throw new LockNotAcquiredError(`Cannot release: this instance does not hold the lock on \`${this.resourceId}\``);
    }
    this.#state = 'releasing';
    lease.cancelRenew?.();
    lease.autoRenew = false;
    try {
      await this.#serial(() => this.#release(lease));
    } finally {
      this.#end(lease);
      this.#state = 'idle';
    }
  }

  /**
   * Releases the lock if this instance holds it; does nothing otherwise. For `await using`.
   *
   * @example
   * {
   *   await using lock = new DynamoDbLock('job');
   *   await lock.acquire();
   *   // ... released when the block exits
   * }
   */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#state === 'held') await this.release();
  }

  // --- acquire -------------------------------------------------------------------------------

  async #acquireLoop(a: ResolvedAcquireOptions, started: number, deadline: number): Promise<Lease | undefined> {
    const clock = this.#clock;
    const o = this.#o;
    let code = newCode();
    let attempts = 0;
    let contended = 0;
    let failures = 0;
    // Set once a write may have been applied without our hearing of it: then giving up must
    // clear it, or a lease would be held that nobody knows about.
    let maybeApplied = false;
    let cancelAttempt: (() => void) | undefined;
    try {
      for (;;) {
        attempts++;
        const now = clock.now();
        const sent = clock.monotonic();
        let delay: number;
        // The timeout bounds the write in flight too: a hung request (a client without a request
        // timeout) must not hold `acquire({ timeout })` past its deadline.
        const attempt = deadlineSignal(this.#clock, a.signal, deadline);
        cancelAttempt = attempt.cancel;
        try {
          const out = await this.#send(
            acquireRequest({
              tableName: o.tableName,
              resourceId: this.resourceId,
              code,
              now,
              durationMs: o.durationMs,
              skewMs: o.skewMs,
              retentionS: o.retentionS,
            }),
            attempt.signal,
          );
          maybeApplied = false;
          if (clock.monotonic() < sent + o.durationMs - o.marginMs) {
            return this.#newLease(code, now, sent, out, started, attempts, a);
          }
          // The answer came so late that the lease is already inside its safety margin: a lease
          // the caller could not use. Give it back and try again, under a fresh owner code (our
          // own released marker is closed to the old one).
          await this.#clearAmbiguous(code);
          code = newCode();
          failures++;
          if (!a.blocking) return undefined;
          delay = backoffDelay(THROTTLE_BACKOFF, failures, clock.random);
          o.logger.warn(`acquire of '${this.resourceId}' was answered too late to use the lease; retrying`);
        } catch (error) {
          if (a.signal?.aborted) {
            maybeApplied = true;
            throw abortError(a.signal);
          }
          if (attempt.timedOut()) {
            // Cut off at the deadline: the write may still have been applied.
            maybeApplied = true;
            return undefined;
          }
          const kind = classify(error);
          if (kind === 'conditional') {
            const item = conditionItem(error);
            const broken = malformation(item);
            if (broken !== undefined) {
              // No condition will ever admit this item: report it rather than wait for ever.
              throw new DynamoDbError(
                `The lock item of \`${this.resourceId}\` in \`${o.tableName}\` is malformed (${broken}), so no acquire can ever take it; repair or delete the item`,
                { cause: error },
              );
            }
            contended++;
            if (!a.blocking) return undefined;
            delay = backoffDelay(CONTENTION_BACKOFF, contended, clock.random);
            const holder = parseHolder(item);
            // The server told us when the holder's lease ends: never sleep past that.
            if (holder?.expiresMs !== undefined) {
              delay = Math.min(delay, Math.max(1, holder.expiresMs + o.skewMs - clock.now()));
            }
            emit(
              o.hooks,
              'contended',
              { resourceId: this.resourceId, attempt: attempts, holderExpiresAt: holder?.expiresMs, delayMs: delay },
              o.logger,
            );
          } else if (kind === 'throttled' || kind === 'transient') {
            if (kind === 'transient') maybeApplied = true;
            failures++;
            if (!a.blocking && failures >= MAX_TRY_ATTEMPTS)
              throw wrapSdkError(error, this.resourceId, this.#o.tableName, 'acquire');
            delay = this.#backoffAfterFailure(error, kind, 'acquire', failures);
          } else {
            throw wrapSdkError(error, this.resourceId, this.#o.tableName, 'acquire');
          }
        }
        attempt.cancel();
        const remaining = deadline - clock.monotonic();
        if (remaining <= 0) return undefined;
        await clock.sleep(Math.min(delay, remaining), a.signal);
      }
    } finally {
      cancelAttempt?.();
      if (maybeApplied) await this.#clearAmbiguous(code);
    }
  }

  #newLease(
    code: string,
    now: number,
    sent: number,
    out: UpdateItemCommandOutput,
    started: number,
    attempts: number,
    a: ResolvedAcquireOptions,
  ): Lease {
    const old = parseHolder(out.Attributes);
    const fencingToken = (old?.fencingToken ?? tokenBase(now)) + 1;
    // A previous holder that had not released was taken over. Finding our own code means an
    // earlier attempt of ours was applied unseen, and what it replaced is unknown: say "took
    // over", since needless recovery is safe and missed recovery is not.
    const tookOver = old !== undefined && !old.released && old.releaseCode !== undefined;
    const lease = createLease({
      code,
      fencingToken,
      tookOver,
      sentMono: sent,
      now,
      durationMs: this.#o.durationMs,
      autoRenew: a.autoRenew ?? this.#o.autoRenew,
    });
    const o = this.#o;
    if (tookOver)
      o.logger.info(`took over the expired lease on '${this.resourceId}' from a holder that had not released it`);
    emit(
      o.hooks,
      'acquired',
      { resourceId: this.resourceId, waitMs: this.#clock.monotonic() - started, attempts, fencingToken, tookOver },
      o.logger,
    );
    return lease;
  }

  /** Best effort: release an acquisition whose write may have been applied unseen. */
  async #clearAmbiguous(code: string): Promise<void> {
    const attempt = deadlineSignal(this.#clock, undefined, this.#clock.monotonic() + RELEASE_ATTEMPT_TIMEOUT_MS);
    try {
      await this.#send(
        releaseRequest({
          tableName: this.#o.tableName,
          resourceId: this.resourceId,
          code,
          now: this.#clock.now(),
          retentionS: this.#o.retentionS,
        }),
        attempt.signal,
      );
    } catch (error) {
      if (classify(error) !== 'conditional') {
        this.#o.logger.warn(
          `could not clear an acquire of '${this.resourceId}' that may have been applied; it expires within ${this.duration} s`,
          error,
        );
      }
    } finally {
      attempt.cancel();
    }
  }

  // --- holding ----------------------------------------------------------------------------

  #hold(lease: Lease): void {
    this.#lease = lease;
    this.#last = lease;
    this.#state = 'held';
    this.#scheduleExpiry(lease);
    if (lease.autoRenew) this.#scheduleRenew(lease, lease.acquiredMono + this.#o.renewMs);
  }

  /** The lost signal fires `safetyMargin` before the lease ends, unless renewed first. */
  #scheduleExpiry(lease: Lease): void {
    lease.cancelExpiry?.();
    const at = lease.endMono - this.#o.marginMs;
    lease.cancelExpiry = this.#clock.setTimer(Math.max(0, at - this.#clock.monotonic()), () => {
      lease.cancelExpiry = undefined;
      // A renewal still unanswered at this point (it is cut off at the same moment) means
      // DynamoDB did not answer in time: that is "unreachable", not a holder that forgot to renew.
      const unanswered = lease.renewFailure !== undefined || (lease.renewSent !== undefined && lease.renewSent < at);
      this.#lose(lease, unanswered ? 'unreachable' : 'expired', lease.renewFailure);
    });
  }

  #scheduleRenew(lease: Lease, atMono: number): void {
    lease.cancelRenew?.();
    lease.cancelRenew = this.#clock.setTimer(Math.max(0, atMono - this.#clock.monotonic()), () => {
      lease.cancelRenew = undefined;
      if (!lease.autoRenew || lease.lost !== undefined || lease.ended) return;
      // Queued behind (and ahead of) any release: a renewal never races it. A failed renewal
      // has already marked the lease lost and aborted the signal, so its rejection is dropped.
      this.#serial(() => this.#extend(lease, this.#o.durationMs, true)).catch(() => undefined);
    });
  }

  /**
   * One extend, retried through throttling and transient failures while the lease still has
   * time left. Retrying is safe: the write is conditional on our own code, so a retry after an
   * applied-but-unanswered write simply succeeds again.
   */
  async #extend(lease: Lease, durationMs: number, automatic: boolean): Promise<void> {
    const clock = this.#clock;
    const o = this.#o;
    for (let attempt = 1; ; attempt++) {
      if (lease.lost !== undefined) throw lease.lost;
      if (lease.ended) return;
      const now = clock.now();
      const sent = clock.monotonic();
      const deadline = lease.endMono - o.marginMs;
      // Never ask for an end earlier than the one held: the server refuses to move it backwards.
      const extendMs = Math.max(durationMs, lease.expiresAt - now);
      if (sent >= deadline) {
        // Already past the point where the signal aborts (the process was paused, or the event
        // loop blocked): the lease is lost by our clock, and a write now would only log noise.
        this.#lose(lease, lease.renewFailure === undefined ? 'expired' : 'unreachable', lease.renewFailure);
        throw lease.lost;
      }
      // A renewal that is still unanswered when the lease would end is worthless: cut it off.
      const timeout = new AbortController();
      const cancelTimeout = clock.setTimer(Math.max(0, deadline - sent), () => timeout.abort());
      lease.renewSent = sent;
      try {
        await this.#send(
          extendRequest({
            tableName: o.tableName,
            resourceId: this.resourceId,
            code: lease.code,
            now,
            durationMs: extendMs,
            retentionS: o.retentionS,
          }),
          timeout.signal,
        );
        lease.renewFailure = undefined;
        lease.endMono = Math.max(lease.endMono, sent + durationMs);
        lease.expiresAt = now + extendMs;
        if (!lease.ended) {
          this.#scheduleExpiry(lease);
          if (lease.autoRenew)
            this.#scheduleRenew(lease, sent + Math.min(o.renewMs, Math.max(1, (durationMs - o.marginMs) / 2)));
        }
        emit(o.hooks, 'extended', { resourceId: this.resourceId, expiresAt: lease.expiresAt, automatic }, o.logger);
        return;
      } catch (error) {
        const kind = classify(error);
        if (kind === 'conditional' || kind === 'missing-table') {
          this.#lose(lease, 'taken', error);
          throw lease.lost;
        }
        if (kind === 'fatal') {
          lease.renewFailure = error;
          o.logger.error(`renewing the lease on '${this.resourceId}' failed; it will not be renewed`, error);
          throw wrapSdkError(error, this.resourceId, this.#o.tableName, 'extend');
        }
        lease.renewFailure = error;
        const delay = this.#backoffAfterFailure(error, kind, 'extend', attempt);
        if (
          clock.monotonic() + delay >= lease.endMono - o.marginMs ||
          (!automatic && attempt >= MAX_RELEASE_ATTEMPTS)
        ) {
          this.#lose(lease, 'unreachable', error);
          throw lease.lost;
        }
        // A renewal retry must not keep the process alive on its own.
        await new Promise<void>((resolve) => clock.setTimer(delay, resolve));
      } finally {
        lease.renewSent = undefined;
        cancelTimeout();
      }
    }
  }

  #lose(lease: Lease, reason: LostReason, cause?: unknown, log = true): void {
    if (lease.lost !== undefined || lease.ended) return;
    const why = {
      taken: 'another owner holds it now',
      expired: 'it ran out before it was renewed or released',
      unreachable: 'DynamoDB could not be reached to renew it in time',
    }[reason];
    const error = new LockLostError(
      this.resourceId,
      reason,
      `The lease on \`${this.resourceId}\` (fencing token ${lease.fencingToken}) was lost: ${why}`,
      cause === undefined ? undefined : { cause },
    );
    lease.lost = error;
    lease.autoRenew = false;
    lease.cancelRenew?.();
    lease.cancelExpiry?.();
    // This process's next waiter may try now: the lock is free, or someone else's.
    lease.turn?.leave();
    if (log) this.#o.logger.warn(error.message);
    emit(
      this.#o.hooks,
      'lost',
      { resourceId: this.resourceId, reason, fencingToken: lease.fencingToken },
      this.#o.logger,
    );
    lease.controller.abort(error);
  }

  // --- release ------------------------------------------------------------------------------

  async #release(lease: Lease): Promise<void> {
    const clock = this.#clock;
    const o = this.#o;
    let sent: number;
    for (let attempt = 1; ; attempt++) {
      sent = clock.monotonic();
      // A release with no answer must not hang the caller's `finally` for ever.
      const attemptSignal = deadlineSignal(this.#clock, undefined, sent + RELEASE_ATTEMPT_TIMEOUT_MS);
      try {
        await this.#send(
          releaseRequest({
            tableName: o.tableName,
            resourceId: this.resourceId,
            code: lease.code,
            now: clock.now(),
            retentionS: o.retentionS,
          }),
          attemptSignal.signal,
        );
        break;
      } catch (error) {
        const kind = classify(error);
        if (kind === 'conditional') {
          // The original's WARNING, and a rejection: the work ran without the lock's protection.
          o.logger.warn(`Lock on '${this.resourceId}' expired and was taken by another owner before release`);
          this.#lose(lease, 'taken', error, false);
          throw lease.lost;
        }
        if ((kind === 'throttled' || kind === 'transient') && attempt < MAX_RELEASE_ATTEMPTS && sent < lease.endMono) {
          await clock.sleep(this.#backoffAfterFailure(error, kind, 'release', attempt));
          continue;
        }
        throw wrapSdkError(error, this.resourceId, this.#o.tableName, 'release');
      } finally {
        attemptSignal.cancel();
      }
    }
    emit(
      o.hooks,
      'released',
      { resourceId: this.resourceId, heldMs: clock.monotonic() - lease.acquiredMono, fencingToken: lease.fencingToken },
      o.logger,
    );
    // Released cleanly, but had the lease run out before the release was sent? Then say so:
    // nobody took it, yet the work was not protected for a while. A signal that aborted inside
    // the safety margin, with the release still in time, lost nothing.
    if (lease.lost !== undefined && sent >= lease.endMono) throw lease.lost;
  }

  #end(lease: Lease): void {
    lease.ended = true;
    lease.autoRenew = false;
    lease.cancelRenew?.();
    lease.cancelExpiry?.();
    lease.turn?.leave();
    if (this.#lease === lease) this.#lease = undefined;
  }

  // --- plumbing -----------------------------------------------------------------------------

  /** Runs extends and releases one at a time, so a renewal never races a release. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn, fn);
    this.#chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  #send(input: UpdateItemCommandInput, signal?: AbortSignal): Promise<UpdateItemCommandOutput> {
    return this.client.send(new UpdateItemCommand(input), signal === undefined ? undefined : { abortSignal: signal });
  }

  #backoffAfterFailure(
    error: unknown,
    kind: 'throttled' | 'transient',
    operation: 'acquire' | 'extend' | 'release',
    attempt: number,
  ): number {
    const delay = backoffDelay(THROTTLE_BACKOFF, attempt, this.#clock.random);
    const o = this.#o;
    const what = kind === 'throttled' ? 'DynamoDB throttled' : 'a transient DynamoDB failure interrupted';
    o.logger.warn(
      `${what} ${operation} of '${this.resourceId}' (attempt ${attempt}); backing off ${Math.round(delay)} ms`,
    );
    emit(o.hooks, 'throttled', { resourceId: this.resourceId, operation, attempt, delayMs: delay, error }, o.logger);
    return delay;
  }
}
