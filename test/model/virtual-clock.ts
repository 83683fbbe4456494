import { abortError, type Clock } from '../../src/runtime/clock.js';

/**
 * A {@link Clock} for tests against a real server, where each step is awaited to the end
 * before the next: virtual time moves only when the test calls {@link VirtualClock.advance} or
 * when the code under test sleeps. A sleep moves time forward at once (firing every timer that
 * falls due, in order) instead of waiting, so a blocking acquire that would wait a minute of
 * lease time finishes in a few real requests, and the time it "waited" is exact.
 *
 * Unlike a fake-timer library it leaves the real event loop alone, so the SDK's real sockets
 * and timeouts keep working.
 */
export class VirtualClock implements Clock {
  #wall: number;
  #mono = 1_000;
  #timers: { at: number; seq: number; fn: () => void }[] = [];
  #seq = 0;
  readonly #random: () => number;

  /** @param random - Source of randomness (seed it for reproducible backoff). @default 0.5 */
  constructor(random: () => number = () => 0.5, wallStart = 1_800_000_000_000) {
    this.#random = random;
    this.#wall = wallStart;
  }

  now = (): number => this.#wall;
  monotonic = (): number => this.#mono;
  random = (): number => this.#random();

  setTimer = (ms: number, fn: () => void): (() => void) => {
    const timer = { at: this.#mono + Math.max(0, Math.ceil(ms)), seq: this.#seq++, fn };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  };

  sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) throw abortError(signal);
    this.advance(ms);
    // A timer that fell due during the sleep (a test's abort) interrupts it.
    if (signal?.aborted) throw abortError(signal);
  };

  /** Timers not yet fired (a leak check: zero once every lease is released). */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /**
   * Moves both clocks forward by `ms` (rounded up to whole milliseconds, as real timers and
   * `Date.now()` are), firing due timers synchronously in order.
   */
  advance(ms: number): void {
    const target = this.#mono + Math.max(0, Math.ceil(ms));
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#wall += due.at - this.#mono;
      this.#mono = due.at;
      due.fn();
    }
    this.#wall += target - this.#mono;
    this.#mono = target;
  }
}

/** A small seeded PRNG (mulberry32), so a failing run replays exactly. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
