/**
 * Which slot an acquire writes next, for a lock of `concurrency` slots. Pure: no clock, no
 * network; the acquire loop tells it what each refused write returned and asks it where to go.
 *
 * The policy, so that waiting never costs `concurrency` refused writes per poll:
 *
 * - **First sweep.** Slots are tried once each, in order from slot 0, with no pause between
 *   them (Python dynamo-dlm 2.x's order): an uncontended acquire costs one write, and a slot
 *   freed anywhere is found by the first sweep. It costs at most `concurrency` writes, once per
 *   `acquire()`.
 * - **Then one write per poll**, to the slot whose holder's lease ends first as last seen: a
 *   refused write returns the holder (`ALL_OLD`, on DynamoDB and DynamoDB Local), and with equal
 *   leases the earliest end is also the oldest acquisition, the likeliest to be released next.
 *   A poll refreshes that slot's view: a new holder there moves its end out, and the next poll
 *   goes to another slot.
 * - **No view grows old**: a slot not looked at in the last `2 * concurrency` polls is polled
 *   next, so a slot released early (before another's lease ends) is found within that many
 *   polls, while the slot that ends first still gets most of them.
 * - **Where refusals return nothing** (dynalite ignores `ALL_OLD`), no lease end is known and the
 *   same rules rotate through the slots, one per poll.
 */

/** Where the next write goes. */
export interface SlotPlan {
  /** The slot to write, `0` to `concurrency - 1`. */
  readonly slot: number;
  /** Write at once: the first sweep has not reached this slot yet. */
  readonly immediate: boolean;
  /** The last-seen lease end of the slot's holder, epoch ms, where the server returned it. */
  readonly holderExpiresMs: number | undefined;
}

interface SlotView {
  /** Poll number of the last refusal seen here; -1 before the first. */
  seen: number;
  holderExpiresMs: number | undefined;
}

/** One `acquire()`'s view of the slots of a resource. */
export class SlotSearch {
  readonly #views: SlotView[];
  #polls = 0;

  /** @param concurrency - How many slots this lock may take: `0` to `concurrency - 1`. */
  constructor(concurrency: number) {
    this.#views = Array.from({ length: concurrency }, () => ({ seen: -1, holderExpiresMs: undefined }));
  }

  /** Where the next write goes (the same answer until {@link refused} tells something new). */
  plan(): SlotPlan {
    const views = this.#views;
    const untried = views.findIndex((v) => v.seen < 0);
    if (untried >= 0) return { slot: untried, immediate: true, holderExpiresMs: undefined };
    let slot = 0;
    for (let i = 1; i < views.length; i++) if (this.#before(i, slot)) slot = i;
    return { slot, immediate: false, holderExpiresMs: views[slot]?.holderExpiresMs };
  }

  /** A write to `slot` was refused; `holderExpiresMs` is the holder's lease end where the server said. */
  refused(slot: number, holderExpiresMs: number | undefined): void {
    const view = this.#views[slot];
    if (view === undefined) return;
    this.#polls++;
    view.seen = this.#polls;
    view.holderExpiresMs = holderExpiresMs;
  }

  /** Whether slot `a` should be polled before slot `b`. */
  #before(a: number, b: number): boolean {
    const va = this.#views[a] as SlotView;
    const vb = this.#views[b] as SlotView;
    const staleAt = this.#polls - 2 * this.#views.length;
    const aStale = va.seen <= staleAt;
    const bStale = vb.seen <= staleAt;
    if (aStale !== bStale) return aStale;
    const ea = va.holderExpiresMs;
    const eb = vb.holderExpiresMs;
    if (!aStale && ea !== undefined && eb !== undefined && ea !== eb) return ea < eb;
    // Equal or unknown ends (no ALL_OLD), or both stale: the one seen longest ago.
    return va.seen < vb.seen;
  }
}
