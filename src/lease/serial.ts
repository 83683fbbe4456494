import type { Clock } from '../runtime/clock.js';

/**
 * Runs tasks one at a time, in the order they were queued, whatever each one's outcome: a lease's
 * extends and its release go through one, so that a renewal never races the release.
 */
export class Serial {
  #chain: Promise<unknown> = Promise.resolve();

  /** Queues `fn` behind every task queued before it; settles as `fn` does. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn, fn);
    this.#chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}

/**
 * A pause on a timer that does not keep the process alive (nobody awaits it but the lock
 * itself), which `cut()` ends at once. An automatic renewal waits its retry out in one, so that
 * `release()` can cut it short instead of queueing behind it.
 */
export class CuttablePause {
  #cut: (() => void) | undefined;

  /** Resolves after `ms`, or as soon as {@link cut} is called. */
  wait(clock: Clock, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        cancel();
        this.#cut = undefined;
        resolve();
      };
      const cancel = clock.setTimer(ms, done);
      this.#cut = done;
    });
  }

  /** Ends the pause in progress, if any. */
  cut(): void {
    this.#cut?.();
  }
}
