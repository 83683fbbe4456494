import type { Attributes, ObservableResult } from '@opentelemetry/api';

/**
 * A count read when metrics are collected: how many of the things added are still live (locks
 * that are `locked()`, elections whose `isLeader()`), by attribute set. Reading the truth from
 * the objects, rather than adding and taking off on events, keeps the count right when a lease
 * ends without an event (a release that failed: the instance holds nothing, and says so).
 */
export class LiveCount<T extends object> {
  readonly #isLive: (thing: T) => boolean;
  readonly #live = new Map<T, Attributes>();
  /** Every attribute set reported so far: a count that falls to zero is reported as 0, not dropped. */
  readonly #seen = new Map<string, Attributes>();

  constructor(isLive: (thing: T) => boolean) {
    this.#isLive = isLive;
  }

  /** Counts `thing` under `attributes` for as long as it is live. */
  add(thing: T, attributes: Attributes): void {
    this.#live.set(thing, attributes);
    this.#seen.set(JSON.stringify(attributes), attributes);
  }

  /** Stops counting `thing` (it ended, and said so). */
  delete(thing: T): void {
    this.#live.delete(thing);
  }

  /** Reports the counts; forgets whatever is no longer live, so that nothing is kept for ever. */
  readonly observe = (result: ObservableResult): void => {
    const counts = new Map<string, number>();
    for (const key of this.#seen.keys()) counts.set(key, 0);
    for (const [thing, attributes] of this.#live) {
      if (!this.#isLive(thing)) {
        this.#live.delete(thing);
        continue;
      }
      const key = JSON.stringify(attributes);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const [key, count] of counts) result.observe(count, this.#seen.get(key));
  };
}
