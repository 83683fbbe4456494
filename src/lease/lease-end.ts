import type { Clock } from '../runtime/clock.js';

/**
 * The longest the expiry watch sleeps before looking at both clocks again. The monotonic clock
 * (and so every Node timer) stands still while a VM is paused or a laptop sleeps; the wall clock
 * does not. Waking at least this often lets a resumed process see, from the wall clock, that its
 * lease ran out while it slept, and it keeps every timer far below what `setTimeout` can hold.
 */
export const WATCH_MS = 1_000;

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
  #cancel: (() => void) | undefined;

  constructor(clock: Clock, marginMs: number, sentMono: number, now: number, durationMs: number) {
    this.#clock = clock;
    this.#marginMs = marginMs;
    this.#endMono = sentMono + durationMs;
    this.#expiresAt = now + durationMs;
  }

  /** Lease end by this process's monotonic clock. */
  get endMono(): number {
    return this.#endMono;
  }

  /** Lease end as written to DynamoDB, epoch ms by this process's wall clock. */
  get expiresAt(): number {
    return this.#expiresAt;
  }

  /** Lease time left before the safety margin, ms: the smaller reading of the two clocks. */
  remaining(): number {
    return Math.min(this.#endMono - this.#clock.monotonic(), this.#expiresAt - this.#clock.now()) - this.#marginMs;
  }

  /** An extend sent at `sent` (monotonic) and `now` (wall) for `durationMs` succeeded. */
  pushed(sent: number, now: number, durationMs: number, extendMs: number): void {
    this.#endMono = Math.max(this.#endMono, sent + durationMs);
    this.#expiresAt = now + extendMs;
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
