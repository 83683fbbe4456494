import { LockLostError, LockReleasedError } from '../errors.js';
import type { Lease } from '../lease/lease.js';

/**
 * One acquisition of a multi-lock: a {@link Lease} per resource (each renews, watches its
 * expiry and releases itself, exactly as a single lock's does), and one signal over them all. The
 * signal aborts with the first resource's {@link LockLostError} to be lost, and with a
 * {@link LockReleasedError} once every lease is released. Internal to `DynamoDbMultiLock`.
 */
export class MultiLease {
  readonly leases: readonly Lease[];
  readonly resourceIds: readonly string[];
  /** Aborts on the first loss (its `LockLostError`, which names the resource) or on release. */
  readonly controller = new AbortController();

  constructor(resourceIds: readonly string[], leases: readonly Lease[]) {
    this.resourceIds = resourceIds;
    this.leases = leases;
    for (const lease of leases) {
      const signal = lease.controller.signal;
      // A lease released first aborts with LockReleasedError: the set is released only once all are.
      signal.addEventListener(
        'abort',
        () => {
          if (signal.reason instanceof LockLostError && !this.controller.signal.aborted) {
            this.controller.abort(signal.reason);
          }
        },
        { once: true },
      );
    }
  }

  /** Starts every lease's expiry watch and, if asked, renewal. */
  start(autoRenew: boolean): void {
    for (const lease of this.leases) lease.start(autoRenew, undefined);
  }

  /** Every lease held, not lost, and outside its safety margin. */
  valid(): boolean {
    return this.leases.every((lease) => lease.valid());
  }

  /** The first loss in the order of the ids, if any lease was lost. */
  get lost(): LockLostError | undefined {
    for (const lease of this.leases) if (lease.lost !== undefined) return lease.lost;
    return undefined;
  }

  /** The earliest lease end, epoch ms by this process's wall clock. */
  get expiresAt(): number {
    return Math.min(...this.leases.map((lease) => lease.expiresAt));
  }

  /** Extends every lease; rejects with the first failure in the order of the ids once all settled. */
  async extend(durationMs: number): Promise<void> {
    firstFailure(await Promise.allSettled(this.leases.map((lease) => lease.extend(durationMs))));
  }

  /**
   * Releases every lease (in parallel; each stops its renewal first), then aborts the signal with
   * a {@link LockReleasedError} unless a loss aborted it. Rejects, once all settled, with the
   * first {@link LockLostError} in the order of the ids, else with the first other failure.
   */
  async release(): Promise<void> {
    const results = await Promise.allSettled(this.leases.map((lease) => lease.release()));
    this.#released();
    firstFailure(results);
  }

  /** Ends every lease (no write) and the signal; idempotent. */
  end(): void {
    for (const lease of this.leases) lease.end();
    this.#released();
  }

  #released(): void {
    if (this.controller.signal.aborted) return;
    const ids = this.resourceIds.map((id) => `\`${id}\``).join(', ');
    this.controller.abort(new LockReleasedError(this.resourceIds[0] as string, `The locks on ${ids} were released`));
  }
}

/** Throws the first loss among `results`, else the first other failure; returns if none failed. */
function firstFailure(results: readonly PromiseSettledResult<void>[]): void {
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length === 0) return;
  throw failures.find((e) => e instanceof LockLostError) ?? failures[0];
}
