import type { AttributeValue, UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';

/** A returned item, as the SDK gives it. */
export type Item = Record<string, AttributeValue>;

/** The next write of an acquire. */
export interface PlannedWrite {
  readonly request: UpdateItemCommandInput;
  /** The slot it writes (0 on a single-slot lock). */
  readonly slot: number;
  /** Whether it takes the lock when admitted; otherwise it only informs (a ticket, a look). */
  readonly acquires: boolean;
}

/**
 * How one acquire waits: which write it sends next and when, from what each answer said. The
 * acquire loop (`acquire-loop.ts`) sends the writes, retries failures, honours the deadline and
 * the signal, and cleans up; a strategy only decides. One for a single-slot lock, which waits in
 * the item's queue (`waiter.ts`), and one for a lock of several slots (`slot-waiter.ts`).
 */
export interface WaitStrategy {
  /** How long to wait before the first write, ms. */
  readonly firstDelayMs: number;
  /** The current step's write, for owner code `code` at wall time `now` (epoch ms). */
  write(code: string, now: number): PlannedWrite;
  /** A write that only informs was admitted, and returned `item`; returns the wait before the next write, ms. */
  informed(item: Item | undefined, now: number): number;
  /**
   * The write was refused by its condition; `item` is the item where the server returned it.
   * Returns the wait before the next write, ms, or `undefined` to give up (a single try refused).
   */
  refused(item: Item | undefined, now: number): number | undefined;
  /** A write was answered after `ms`: the round trip the timing allows for. */
  observe(ms: number): void;
  /** The acquire gives up (timeout, abort, failure): a last write that leaves nothing behind, if one is due. */
  leaving(now: number): UpdateItemCommandInput | undefined;
}
