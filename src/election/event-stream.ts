/**
 * An async iterator fed by `push` and ended by `close` (or by the consumer's `break`, which
 * calls `return`). Events wait in a buffer until read, so none is missed between two `next()`
 * calls. Internal to `LeaderElection`, whose events are rare (two per term).
 */
export class EventStream<T> implements AsyncIterableIterator<T> {
  readonly #buffer: T[] = [];
  readonly #waiting: ((result: IteratorResult<T>) => void)[] = [];
  readonly #onClose: (stream: EventStream<T>) => void;
  #closed = false;

  /** @param onClose - Called once when the stream ends, so that its source can forget it. */
  constructor(onClose: (stream: EventStream<T>) => void) {
    this.#onClose = onClose;
  }

  push(value: T): void {
    if (this.#closed) return;
    const wake = this.#waiting.shift();
    if (wake === undefined) this.#buffer.push(value);
    else wake({ value, done: false });
  }

  /** Ends the stream once the buffered events have been read. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose(this);
    for (const wake of this.#waiting.splice(0)) wake({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#buffer.length > 0) return Promise.resolve({ value: this.#buffer.shift() as T, done: false });
    if (this.#closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.#buffer.length = 0;
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
