import { parseHolder } from '../item/attributes.js';
import { acquireRequest } from '../item/requests.js';
import { backoffDelay, CONTENTION_BACKOFF } from '../runtime/backoff.js';
import type { LockContext } from '../runtime/context.js';
import { SlotSearch } from './slot-search.js';
import type { Item, PlannedWrite, WaitStrategy } from './strategy.js';

/**
 * How an acquire of a lock of several slots (`concurrency` > 1) waits: it polls the slots as
 * `slot-search.ts` plans, with the contention backoff between polls, never sleeping past the lease
 * end of the slot it polls next (where the server returned it). Every write may take the lock.
 */
export class SlotWaiter implements WaitStrategy {
  readonly firstDelayMs = 0;
  readonly #ctx: LockContext;
  readonly #blocking: boolean;
  readonly #search: SlotSearch;
  #slot: number;
  #contended = 0;

  constructor(ctx: LockContext, blocking: boolean) {
    this.#ctx = ctx;
    this.#blocking = blocking;
    this.#search = new SlotSearch(ctx.o.concurrency);
    this.#slot = this.#search.plan().slot;
  }

  write(code: string, now: number): PlannedWrite {
    return { request: acquireRequest(this.#ctx.acquireInput(this.#slot, code, now)), slot: this.#slot, acquires: true };
  }

  informed(): number {
    return 0;
  }

  refused(item: Item | undefined, now: number): number | undefined {
    this.#contended++;
    this.#search.refused(this.#slot, parseHolder(item)?.expiresMs);
    const next = this.#search.plan();
    this.#slot = next.slot;
    // Not blocking: one sweep of the slots, then give up.
    if (next.immediate) return 0;
    if (!this.#blocking) return undefined;
    const { clock, o } = this.#ctx;
    const delay = backoffDelay(CONTENTION_BACKOFF, this.#contended, clock.random);
    if (next.holderExpiresMs === undefined) return delay;
    return Math.min(delay, Math.max(1, next.holderExpiresMs + o.skewMs - now));
  }

  observe(): void {}

  leaving(): undefined {
    return undefined;
  }
}
