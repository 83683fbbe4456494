import { holdAverage } from '../acquire/hold-average.js';
import type { Turn } from '../acquire/process-line.js';
import { type LockLostError, LockReleasedError } from '../errors.js';
import { extendRequest } from '../item/requests.js';
import { deadlineSignal } from '../runtime/clock.js';
import type { LockContext } from '../runtime/context.js';
import { classify, conditionItem } from '../runtime/sdk-errors.js';
import { LeaseEnd } from './lease-end.js';
import type { Extension, LeaseStart, LeaseState, Losing } from './lease-types.js';
import { lostError, refusal } from './loss.js';
import { MAX_RELEASE_ATTEMPTS, releaseLease, releaseVerdict } from './release.js';
import { CuttablePause, Serial } from './serial.js';

/** Below this much time left (ms), a renewal waits for its answer until the lease ends. */
const RETRY_SPLIT_MS = 200;

export type { LeaseStart } from './lease-types.js';

/**
 * One acquisition of the lock, from the successful write until release or loss. It owns its
 * timers (the expiry watch, renewal, and a renewal's retry pause) and runs extends and the
 * release one at a time, so that a renewal never races the release. Internal to `DynamoDbLock`.
 */
export class Lease {
  readonly code: string;
  readonly slot: number;
  readonly fencingToken: number;
  readonly tookOver: boolean;
  readonly acquiredMono: number;
  /** The item's average hold when acquired: the release records the next one from it. */
  readonly #avgHoldMs: number | undefined;
  /** Aborts when the lease is lost (a {@link LockLostError}) or released (a {@link LockReleasedError}). */
  readonly controller = new AbortController();
  readonly #end: LeaseEnd;
  #state: LeaseState = { kind: 'held' };
  #autoRenew = false;
  readonly #ctx: LockContext;
  #turn: Turn | undefined;
  readonly #serial = new Serial();
  #cancelRenew: (() => void) | undefined;
  /** A renewal's retry pause, which release cuts short rather than waiting it out. */
  readonly #pause = new CuttablePause();
  /** The last renewal failure, so that a lease running out says "unreachable", not "expired". */
  #renewFailure: unknown;
  /** Monotonic time an extend awaiting its answer was sent. */
  #renewSent: number | undefined;

  constructor(ctx: LockContext, start: LeaseStart) {
    this.#ctx = ctx;
    this.code = start.code;
    this.slot = start.slot;
    this.fencingToken = start.fencingToken;
    this.tookOver = start.tookOver;
    this.acquiredMono = start.sentMono;
    this.#avgHoldMs = start.avgHoldMs;
    this.#end = new LeaseEnd({
      clock: ctx.clock,
      marginMs: ctx.o.marginMs,
      sentMono: start.sentMono,
      now: start.now,
      durationMs: ctx.o.durationMs,
    });
  }

  /** Lease end as written to DynamoDB, epoch ms by this process's wall clock. */
  get expiresAt(): number {
    return this.#end.expiresAt;
  }

  /** The loss, if the lease was lost (before or after it ended). */
  get lost(): LockLostError | undefined {
    return this.#state.kind === 'held' ? undefined : this.#state.error;
  }

  /** Starts the expiry watch and, if asked, renewal; `turn` is handed on when the lease ends. */
  start(autoRenew: boolean, turn: Turn | undefined): void {
    this.#turn = turn;
    this.#autoRenew = autoRenew;
    this.#watchExpiry();
    if (autoRenew) this.#scheduleRenew(this.acquiredMono + this.#ctx.o.renewMs);
  }

  /** Held, not lost, and not within the safety margin of its end by either clock. */
  valid(): boolean {
    return this.#state.kind === 'held' && this.#end.remaining() > 0;
  }

  /** Pushes the lease end out; queued behind (and ahead of) any other extend or release. */
  extend(durationMs: number): Promise<void> {
    if (this.#state.kind === 'lost') return Promise.reject(this.#state.error);
    return this.#serial.run(() => this.#extend({ durationMs, automatic: false }));
  }

  /**
   * Writes new `data` with an extend by the lock's duration (one write for both), queued like
   * any extend; once written, later acquires by this lock write it too.
   */
  setData(data: string): Promise<void> {
    if (this.#state.kind === 'lost') return Promise.reject(this.#state.error);
    return this.#serial.run(() => this.#extend({ durationMs: this.#ctx.o.durationMs, automatic: false, data }));
  }

  /**
   * Stops renewal (cutting short a renewal's retry pause, and waiting for a renewal in flight),
   * writes the release, and ends the lease whatever the outcome.
   */
  release(): Promise<void> {
    this.#autoRenew = false;
    this.#cancelRenew?.();
    this.#pause.cut();
    return this.#serial.run(() => this.#release()).finally(() => this.end());
  }

  /**
   * Loses the lease on evidence found outside it: a lock-checked transaction refused by this
   * lease's own check (`src/transaction/`) proves another owner holds the item, as a refused
   * renewal would.
   */
  lose(l: Losing): void {
    this.#lose(l);
  }

  /** Stops every timer, hands the turn on and aborts the signal; idempotent. */
  end(): void {
    const state = this.#state;
    if (state.kind === 'ended') return;
    this.#state = { kind: 'ended', error: state.kind === 'lost' ? state.error : undefined };
    this.#stopTimers();
    if (state.kind === 'held') {
      this.controller.abort(
        new LockReleasedError(this.#ctx.resourceId, `The lock on \`${this.#ctx.resourceId}\` was released`),
      );
    }
  }

  #stopTimers(): void {
    this.#autoRenew = false;
    this.#cancelRenew?.();
    this.#end.stop();
    this.#pause.cut();
    // This process's next waiter may try now: the lock is free, or someone else's.
    this.#turn?.leave();
  }

  /** The signal aborts `safetyMargin` before the lease ends, unless renewed first. */
  #watchExpiry(): void {
    this.#end.watch(() => {
      // A renewal still unanswered at this point (it is cut off at the same moment) means
      // DynamoDB did not answer in time: that is "unreachable", not a holder that forgot to renew.
      const at = this.#end.endMono - this.#ctx.o.marginMs;
      const unanswered = this.#renewFailure !== undefined || (this.#renewSent !== undefined && this.#renewSent < at);
      this.#lose({ reason: unanswered ? 'unreachable' : 'expired', cause: this.#renewFailure });
    });
  }

  #scheduleRenew(atMono: number): void {
    const clock = this.#ctx.clock;
    this.#cancelRenew?.();
    this.#cancelRenew = clock.setTimer(Math.max(0, atMono - clock.monotonic()), () => {
      this.#cancelRenew = undefined;
      if (!this.#autoRenew || this.#state.kind !== 'held') return;
      // A failed renewal has already marked the lease lost and aborted the signal: drop its rejection.
      this.#serial
        .run(() => this.#extend({ durationMs: this.#ctx.o.durationMs, automatic: true }))
        .catch(() => undefined);
    });
  }

  /**
   * One extend, retried through throttling and transient failures while the lease still has
   * time left. Retrying is safe: the write is conditional on our own code, so a retry after an
   * applied-but-unanswered write simply succeeds again.
   */
  async #extend(x: Extension): Promise<void> {
    const { durationMs, automatic, data } = x;
    const ctx = this.#ctx;
    const { clock, o } = ctx;
    const begun = clock.monotonic();
    for (let attempt = 1; ; attempt++) {
      if (this.#state.kind === 'lost') throw this.#state.error;
      if (this.#state.kind === 'ended' || (automatic && !this.#autoRenew)) return;
      const now = clock.now();
      const sent = clock.monotonic();
      // Never an end earlier than the one held (the server refuses to move it backwards), and
      // always a later one than any write before asked: see LeaseEnd.nextEnd.
      const extendMs = this.#end.nextEnd(now, durationMs) - now;
      const left = this.#end.remaining();
      if (left <= 0) {
        // Past the point where the signal aborts by either clock (the process was paused, the
        // machine slept, or the event loop blocked): lost by our clocks; a write now is noise.
        this.#lose({ reason: this.#renewFailure === undefined ? 'expired' : 'unreachable', cause: this.#renewFailure });
        throw this.lost;
      }
      // A renewal still unanswered when the lease would end is worthless: cut it off. One
      // unanswered halfway there is cut off then and sent again (it is conditional on our own
      // code, so a retry of one applied unseen succeeds too): a server slowed by a burst of
      // requests gets more than one chance to answer before the lease is given up.
      const cutoff = deadlineSignal(clock, undefined, sent + (left > RETRY_SPLIT_MS ? left / 2 : left));
      this.#renewSent = sent;
      try {
        await ctx.send(
          extendRequest({
            tableName: o.tableName,
            key: ctx.key(this.slot),
            code: this.code,
            now,
            durationMs: extendMs,
            retentionS: o.retentionS,
            data,
          }),
          cutoff.signal,
        );
        this.#renewFailure = undefined;
        if (data !== undefined) ctx.memory.dataWritten(data);
        this.#end.pushed({ sent, now, durationMs, extendMs });
        if (this.#state.kind === 'held') {
          this.#watchExpiry();
          if (this.#autoRenew)
            this.#scheduleRenew(sent + Math.min(o.renewMs, Math.max(1, (durationMs - o.marginMs) / 2)));
        }
        ctx.emit('extended', {
          resourceId: ctx.resourceId,
          slot: ctx.slotOf(this.slot),
          expiresAt: new Date(this.#end.expiresAt),
          automatic,
          durationMs: clock.monotonic() - begun,
        });
        return;
      } catch (error) {
        const kind = classify(error);
        if (kind === 'conditional' || kind === 'missing-table') {
          const r = refusal(conditionItem(error), this.code, this.fencingToken);
          this.#lose({ reason: r.reason, cause: error, owner: r.owner });
          throw this.lost;
        }
        this.#renewFailure = error;
        if (kind === 'fatal' || kind === 'misconfigured') {
          ctx.log.error(`renewing the lease on '${ctx.resourceId}' failed; it will not be renewed`, error);
          throw ctx.wrap(error, 'extend');
        }
        // Release came while this renewal was in flight: it waits behind us, so retry nothing
        // (an automatic renewal's pause is unref'd, and nothing else would keep the process alive).
        if (automatic && !this.#autoRenew) return;
        const delay = ctx.backoffAfterFailure(error, kind, 'extend', attempt, this.slot);
        const left = this.#end.remaining();
        if (left <= 1 || (!automatic && attempt >= MAX_RELEASE_ATTEMPTS)) {
          this.#lose({ reason: 'unreachable', cause: error });
          throw this.lost;
        }
        // Never give up while the lease has time left: under throttling a crowd of waiters can
        // fill the table's capacity for a second or two, and a renewal that waits out a whole
        // backoff would let the lease run out with retries unspent. Each retry lands within
        // half of what is left, so the last ones come faster as the end nears.
        await this.#waitRetry(Math.min(delay, left / 2), automatic);
      } finally {
        this.#renewSent = undefined;
        cutoff.cancel();
      }
    }
  }

  /**
   * Waits before an extend's retry. A caller awaiting `extend()` keeps the process alive like any
   * awaited sleep; an automatic renewal's pause does not (nobody awaits it), and `release()` cuts
   * it short rather than waiting it out behind it.
   */
  #waitRetry(ms: number, automatic: boolean): Promise<void> {
    return automatic ? this.#pause.wait(this.#ctx.clock, ms) : this.#ctx.clock.sleep(ms);
  }

  /** Marks the lease lost, stops its timers, aborts its signal, and tells the logger (unless `log` is false) and the hooks. */
  #lose(l: Losing): void {
    const { reason, cause, log = true, owner } = l;
    if (this.#state.kind !== 'held') return;
    const ctx = this.#ctx;
    const slot = ctx.slotOf(this.slot);
    const error = lostError({
      resourceId: ctx.resourceId,
      slot,
      fencingToken: this.fencingToken,
      reason,
      cause,
      owner,
    });
    this.#state = { kind: 'lost', error };
    this.#stopTimers();
    // Abort first: whatever user code runs next (logger, hooks) cannot keep the work from hearing.
    this.controller.abort(error);
    if (log) ctx.log.warn(error.message);
    const heldMs = ctx.clock.monotonic() - this.acquiredMono;
    ctx.emit('lost', { resourceId: ctx.resourceId, slot, reason, fencingToken: this.fencingToken, owner, heldMs });
  }

  async #release(): Promise<void> {
    const ctx = this.#ctx;
    // Sent after the lease's end by either clock: the work outlived its protection. (Retries
    // are sent only before the end by the monotonic clock.)
    const late = this.#end.remaining() + ctx.o.marginMs <= 0;
    // The hold this release records in the item, for waiters to time their looks by.
    const heldMs = ctx.clock.monotonic() - this.acquiredMono;
    const hold = { avgHoldMs: holdAverage(this.#avgHoldMs, heldMs), lastHoldMs: heldMs };
    const outcome = await releaseLease(ctx, {
      slot: this.slot,
      code: this.code,
      mayRetry: () => ctx.clock.monotonic() < this.#end.endMono,
      hold,
    });
    const verdict = releaseVerdict(outcome, { code: this.code, fencingToken: this.fencingToken, late });
    if (verdict.lost) {
      // The original's WARNING, and a rejection: the work ran without the lock's protection.
      this.#lose({ reason: verdict.reason, log: false, owner: verdict.owner });
      ctx.log.warn(
        verdict.reason === 'forced'
          ? `Lock on '${ctx.resourceId}' was released by force before release`
          : `Lock on '${ctx.resourceId}' expired and was taken by another owner before release`,
      );
      throw this.lost;
    }
    ctx.emit('released', {
      resourceId: ctx.resourceId,
      slot: ctx.slotOf(this.slot),
      heldMs: ctx.clock.monotonic() - this.acquiredMono,
      fencingToken: this.fencingToken,
    });
    // Released cleanly, but had the lease run out before the release was sent? Then say so:
    // nobody took it, yet the work was not protected for a while. A signal that aborted inside
    // the safety margin, with the release still in time, lost nothing.
    const lost = this.lost;
    if (lost !== undefined && late) throw lost;
  }
}
