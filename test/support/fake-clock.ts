import { abortError, type Clock } from '../../src/runtime/clock.js';

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/**
 * A {@link Clock} driven by the test: time moves only in {@link FakeClock.advance}, timers fire in
 * order of due time, and pending promises are flushed between timers so that code awaiting a
 * sleep or a response runs before the next timer is considered.
 *
 * The wall clock and the monotonic clock advance together unless a test steps the wall clock
 * with {@link FakeClock.stepWall} (to model an NTP jump or a skewed machine).
 */
export class FakeClock implements Clock {
  #wall: number;
  #mono: number;
  #timers: Timer[] = [];
  #nextId = 1;
  #random: () => number;

  /**
   * @param wallStart - Initial epoch milliseconds.
   * @param random - Source of "randomness"; defaults to always 0.5.
   */
  constructor(wallStart = 1_700_000_000_000, random: () => number = () => 0.5) {
    this.#wall = wallStart;
    this.#mono = 1_000;
    this.#random = random;
  }

  now = (): number => this.#wall;
  monotonic = (): number => this.#mono;
  random = (): number => this.#random();

  setTimer = (ms: number, fn: () => void): (() => void) => {
    const timer: Timer = { id: this.#nextId++, at: this.#mono + Math.max(0, ms), fn };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  };

  sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        cancel();
        reject(abortError(signal as AbortSignal));
      };
      const cancel = this.setTimer(ms, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  };

  /** Timers not yet fired. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Moves the wall clock alone (the monotonic clock is unaffected). */
  stepWall(ms: number): void {
    this.#wall += ms;
  }

  /** Lets every promise that can settle without time passing settle. */
  async flush(): Promise<void> {
    for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /**
   * Models a paused process (SIGSTOP, a long GC, a blocked event loop): both clocks jump by `ms`
   * at once, and only then do the overdue timers fire, in order, each seeing the late time.
   */
  async pause(ms: number): Promise<void> {
    await this.flush();
    this.#wall += ms;
    this.#mono += ms;
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= this.#mono).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (due === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      due.fn();
      await this.flush();
    }
  }

  /** Moves both clocks forward by `ms`, firing due timers in order and flushing between them. */
  async advance(ms: number): Promise<void> {
    const target = this.#mono + ms;
    await this.flush();
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (due === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#wall += due.at - this.#mono;
      this.#mono = due.at;
      due.fn();
      await this.flush();
    }
    this.#wall += target - this.#mono;
    this.#mono = target;
    await this.flush();
  }
}
