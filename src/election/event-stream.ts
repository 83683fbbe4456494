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

/**
 * The iterators of one source: each gets every event pushed while it is open. `end()` ends them
 * all, and until `reopen()` every iterator opened is born ended, so that none taken from a
 * source that has stopped waits for ever.
 */
export class EventHub<T> {
  readonly #streams = new Set<EventStream<T>>();
  #ended = false;

  /** A new iterator: open, or already ended if the source has stopped. */
  open(): EventStream<T> {
    const stream = new EventStream<T>((s) => this.#streams.delete(s));
    if (this.#ended) stream.close();
    else this.#streams.add(stream);
    return stream;
  }

  push(event: T): void {
    for (const stream of this.#streams) stream.push(event);
  }

  /** Ends every open iterator (each once its buffered events are read), and every later one. */
  end(): void {
    this.#ended = true;
    for (const stream of [...this.#streams]) stream.close();
  }

  /** The source runs again: iterators opened from now on stay open. */
  reopen(): void {
    this.#ended = false;
  }
}
