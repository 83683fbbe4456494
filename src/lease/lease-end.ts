import type { Clock } from '../runtime/clock.js';

/**
 * The longest the expiry watch sleeps before looking at both clocks again. The monotonic clock
 * (and so every Node timer) stands still while a VM is paused or a laptop sleeps; the wall clock
 * does not. Waking at least this often lets a resumed process see, from the wall clock, that its
 * lease ran out while it slept, and it keeps every timer far below what `setTimeout` can hold.
 */
export const WATCH_MS = 1_000;

/** Where a lease starts: the acquiring write, and the lock's settings. */
export interface LeaseEndStart {
  readonly clock: Clock;
  /** `safetyMargin`, ms. */
  readonly marginMs: number;
  /** Monotonic ms when the acquiring write was sent. */
  readonly sentMono: number;
  /** Wall-clock epoch ms the acquiring write was built with. */
  readonly now: number;
  /** Lease length, ms. */
  readonly durationMs: number;
}

/** A successful extend. */
export interface Push {
  /** Monotonic ms when the extend was sent. */
  readonly sent: number;
  /** Wall-clock epoch ms the extend was built with. */
  readonly now: number;
  /** The lease length asked for, ms: how far the monotonic end moves from `sent`. */
  readonly durationMs: number;
  /** What was written: the new end is `now + extendMs` by the wall clock (never before the old one). */
  readonly extendMs: number;
}

/**
 * When a lease ends, by two clocks, and the watch that fires `safetyMargin` before that. The
 * monotonic end is measured from when the last successful write was sent (network time only
 * shortens the lease we believe in); the wall-clock end is what was written to DynamoDB. The
 * lease is over by whichever clock says so first.
 */
export class LeaseEnd {
  readonly #clock: Clock;
  readonly #marginMs: number;
  #endMono: number;
  #expiresAt: number;
  /** The latest lease end any write of this lease asked for, answered or not. */
  #asked: number;
  #cancel: (() => void) | undefined;

  constructor(s: LeaseEndStart) {
    this.#clock = s.clock;
    this.#marginMs = s.marginMs;
    this.#endMono = s.sentMono + s.durationMs;
    this.#expiresAt = s.now + s.durationMs;
    this.#asked = this.#expiresAt;
  }

  /** Lease end by this process's monotonic clock. */
  get endMono(): number {
    return this.#endMono;
  }

  /** Lease end as written to DynamoDB, epoch ms by this process's wall clock. */
  get expiresAt(): number {
    return this.#expiresAt;
  }

  /**
   * The lease end (epoch ms) the next extend asks for: `now + durationMs`, but never earlier than
   * one millisecond after every end asked before, answered or not. The server keeps an end only
   * if it is not earlier than the stored one, so strictly later ends make this holder's writes
   * apply in the order they were sent: a delayed older write (a `setData` whose first attempt
   * lost its answer, then retried) is refused once a newer one has applied. Asking for the same
   * end twice, as every `setData` after an `extend()` longer than `duration` did, let the older
   * write's data overwrite the newer one's.
   */
  nextEnd(now: number, durationMs: number): number {
    this.#asked = Math.max(now + durationMs, this.#asked + 1);
    return this.#asked;
  }

  /** Lease time left before the safety margin, ms: the smaller reading of the two clocks. */
  remaining(): number {
    return Math.min(this.#endMono - this.#clock.monotonic(), this.#expiresAt - this.#clock.now()) - this.#marginMs;
  }

  /** An extend succeeded: the monotonic end moves to `sent + durationMs` (never back), the written end to `now + extendMs`. */
  pushed(p: Push): void {
    this.#endMono = Math.max(this.#endMono, p.sent + p.durationMs);
    this.#expiresAt = p.now + p.extendMs;
  }

  /** (Re)arms the watch: `onPast` runs once no time is left before the margin. */
  watch(onPast: () => void): void {
    this.stop();
    const left = this.remaining();
    if (left <= 0) {
      onPast();
      return;
    }
    this.#cancel = this.#clock.setTimer(Math.min(left, WATCH_MS), () => {
      this.#cancel = undefined;
      this.watch(onPast);
    });
  }

  /** Stops the watch. */
  stop(): void {
    this.#cancel?.();
    this.#cancel = undefined;
  }
}
