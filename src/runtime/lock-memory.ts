import type { QueueView } from '../item/queue-view.js';

/**
 * What one lock remembers across its acquisitions: the data it writes with each acquire, and
 * what its latest release saw of the item. The only mutable state a lock's context carries;
 * every write to it is one of the named methods below, so a search for them finds every writer.
 */
export class LockMemory {
  #data: string | undefined;
  #released: { readonly view: QueueView; readonly at: number } | undefined;
  #ticket: number | undefined;
  #gaveUp: { readonly refusals: number; readonly at: number } | undefined;

  /** @param data - The `data` option: what acquires write until a `setData` replaces it. */
  constructor(data: string | undefined) {
    this.#data = data;
  }

  /** The data every acquire writes: the `data` option, replaced by each successful `setData`. */
  get data(): string | undefined {
    return this.#data;
  }

  /** A `setData` was written: later acquires write its data too. */
  dataWritten(data: string): void {
    this.#data = data;
  }

  /** A release of this lock was answered at `at` (epoch ms) with the item as it left it. */
  released(view: QueueView | undefined, at: number): void {
    this.#released = view === undefined ? undefined : { view, at };
  }

  /**
   * The item as this lock's latest release left it, and when: the next acquire learns from it
   * whether a queued waiter has the right of way, instead of spending a refused write to find out.
   */
  get lastRelease(): { readonly view: QueueView; readonly at: number } | undefined {
    return this.#released;
  }

  /**
   * This lock's ticket in the item's queue, not yet served: kept when an acquire takes the lock
   * out of turn or gives up behind others, so that the next acquire waits with it instead of
   * taking another. A ticket left behind is a place nobody claims: the queue would skip it only
   * after the grace for a crashed waiter, and until then count it among the waiters.
   */
  get ticket(): number | undefined {
    return this.#ticket;
  }

  /** The ticket this lock now holds in the queue, or undefined once it was served, left or void. */
  queued(ticket: number | undefined): void {
    this.#ticket = ticket;
  }

  /** An acquire gave up (timeout, abort, a single try) at `at` (epoch ms) after `refusals` refused polls. */
  gaveUp(refusals: number, at: number): void {
    this.#gaveUp = { refusals, at };
  }

  /**
   * The refused polls of an acquire that gave up within `withinMs` of `now`: a caller that comes
   * straight back keeps its place in the backoff, so that restarting never polls faster than
   * waiting on (callers with short timeouts would otherwise win most short holds).
   */
  recentRefusals(now: number, withinMs: number): number {
    const last = this.#gaveUp;
    return last !== undefined && now - last.at < withinMs ? last.refusals : 0;
  }
}
