import type { ElectionLock } from '../../src/election/test-seam.js';
import { AlreadyAcquiredError, LockLostError, LockNotAcquiredError, type LostReason } from '../../src/errors.js';
import type { AcquireOptions } from '../../src/index.js';
import { abortError } from '../../src/runtime/clock.js';

/** An `acquire()` call the fake has not answered yet. */
export interface PendingAcquire {
  readonly options: AcquireOptions;
  win(fencingToken: number, tookOver?: boolean): void;
  refuse(): void;
  fail(error: Error): void;
}

/**
 * A stand-in for `DynamoDbLock`'s public surface, driven by the test: each `acquire()` waits
 * until the test answers it (win, refuse or fail), the test loses the lease with `lose()`, and
 * `release()` can be made to wait with `holdRelease()`. Records what the election did.
 */
export class FakeLock implements ElectionLock {
  readonly acquires: PendingAcquire[] = [];
  readonly log: string[] = [];
  releases = 0;
  #pending: PendingAcquire | undefined;
  #waiters: (() => void)[] = [];
  #controller: AbortController | undefined;
  #held = false;
  #token: number | undefined;
  #tookOver = false;
  #releaseGate: Promise<void> | undefined;
  #expiresAt: Date | undefined;

  acquire(options?: AcquireOptions): Promise<boolean> {
    if (this.#held || this.#pending !== undefined) throw new AlreadyAcquiredError('fake: already acquiring or held');
    const o = options ?? {};
    this.log.push(`acquire${o.blocking === false ? ' once' : ''}`);
    return new Promise<boolean>((resolve, reject) => {
      const done = (): void => {
        this.#pending = undefined;
        o.signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        done();
        reject(abortError(o.signal as AbortSignal));
      };
      const pending: PendingAcquire = {
        options: o,
        win: (token, tookOver = false) => {
          done();
          this.#held = true;
          this.#token = token;
          this.#tookOver = tookOver;
          this.#controller = new AbortController();
          this.log.push(`won ${token}`);
          resolve(true);
        },
        refuse: () => {
          done();
          resolve(false);
        },
        fail: (error) => {
          done();
          reject(error);
        },
      };
      if (o.signal?.aborted) return reject(abortError(o.signal));
      o.signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending = pending;
      this.acquires.push(pending);
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  /** The acquire in flight, waiting for one if there is none yet. */
  async nextAcquire(): Promise<PendingAcquire> {
    while (this.#pending === undefined) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return this.#pending;
  }

  /** Whether an acquire is waiting for an answer. */
  get acquiring(): boolean {
    return this.#pending !== undefined;
  }

  /** Loses the lease: its signal aborts with a `LockLostError` of `reason`. */
  lose(reason: LostReason): void {
    this.log.push(`lost ${reason}`);
    this.#controller?.abort(new LockLostError('fake', reason, `fake: lost (${reason})`));
  }

  /** Makes the next releases wait until the returned function is called. */
  holdRelease(): () => void {
    let open!: () => void;
    this.#releaseGate = new Promise<void>((resolve) => {
      open = resolve;
    });
    return () => {
      this.#releaseGate = undefined;
      open();
    };
  }

  async release(): Promise<void> {
    if (!this.#held) throw new LockNotAcquiredError('fake: not held');
    this.log.push('release');
    await this.#releaseGate;
    this.#held = false;
    this.releases++;
    const reason: unknown = this.#controller?.signal.reason;
    if (reason instanceof LockLostError) throw reason;
  }

  locked(): boolean {
    return this.#held && this.#controller?.signal.aborted === false;
  }

  get signal(): AbortSignal {
    return this.#controller?.signal ?? AbortSignal.abort(new LockNotAcquiredError('fake: not acquired'));
  }

  get fencingToken(): number | undefined {
    return this.#token;
  }

  get tookOver(): boolean {
    return this.#tookOver;
  }

  /** The lease end the test set with `leaseEnd`, while held. */
  get expiresAt(): Date | undefined {
    return this.#held ? this.#expiresAt : undefined;
  }

  /** Sets what `expiresAt` reports while held. */
  leaseEnd(at: Date | undefined): void {
    this.#expiresAt = at;
  }
}
