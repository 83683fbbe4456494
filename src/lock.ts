import type { DynamoDBClient, TransactWriteItem, TransactWriteItemsCommandOutput } from '@aws-sdk/client-dynamodb';
import { acquireLease } from './acquire/acquire-loop.js';
import { runAcquire } from './acquire/acquire-session.js';
import { Contact } from './acquire/contact.js';
import { type Turn, waitTurn } from './acquire/process-line.js';
import { AlreadyAcquiredError, LockNotAcquiredError } from './errors.js';
import type { TableLayout } from './item/attributes.js';
import type { DocumentConditionCheck } from './item/transact-requests.js';
import { type HolderState, IDLE, notHeldSignal, releaseThrough } from './lease/holder-state.js';
import type { Lease } from './lease/lease.js';
import type { AcquireOptions } from './options/acquire-options.js';
import { type LockOptions, resolveLockOptions } from './options/lock-options.js';
import {
  type ConditionCheckOptions,
  checkForm,
  type DocumentTransactWriteOptions,
  type TransactWriteOptions,
} from './options/transact-options.js';
import { checkData, checkResourceId, checkSeconds } from './options/validate.js';
import { endpointOf } from './runtime/client.js';
import { createContext, type LockContext } from './runtime/context.js';
import { clockOf } from './runtime/test-seam.js';
import { conditionCheckOf, type Held, lockCheckedWrite } from './transaction/lock-check.js';

type State = HolderState<Lease>;

const NOT_HELD = notHeldSignal('The lock has not been acquired');

/**
 * A distributed lock on one logical resource, kept in a DynamoDB table. All instances with the
 * same table and resource id, in any process and on any machine (including Python dynamo-dlm
 * 1.x), exclude each other. With `concurrency: N` on a `'slots'` table (Python dynamo-dlm 2.x's
 * layout) it is a counting semaphore: at most N holders at once, each in its own slot.
 *
 * @example
 * const lock = new DynamoDbLock('nightly-report', { duration: 30 });
 * await lock.acquire();
 * try {
 *   await buildReport({ signal: lock.signal, fencingToken: lock.fencingToken });
 * } finally {
 *   await lock.release();
 * }
 *
 * @example
 * // At most three at once, on a table shared with Python dynamo-dlm 2.x.
 * const lock = new DynamoDbLock('jobs', { concurrency: 3, tableLayout: 'slots' });
 */
export class DynamoDbLock implements AsyncDisposable {
  /** The resource this lock protects. */
  readonly resourceId: string;
  /** The lock table. */
  readonly tableName: string;
  /** Lease length, seconds. */
  readonly duration: number;
  /** How many holders the resource admits at once (Python dynamo-dlm 2.x's `concurrency`). */
  readonly concurrency: number;
  /** The table's key layout: `'single'` (Python 1.x) or `'slots'` (Python 2.x). */
  readonly tableLayout: TableLayout;
  /** Who this lock says holds the lease, written with every acquire (the `owner` option). */
  readonly owner: string;

  readonly #ctx: LockContext;
  /** This lock's place among the process's waiters: one line per table and resource (and client). */
  readonly #lineKey: string;
  #state: State = IDLE;
  /** The most recent lease, kept after it ends for `signal`, `fencingToken` and `tookOver`. */
  #last: Lease | undefined;

  /**
   * @param resourceId - Any non-empty string of at most 2048 UTF-8 bytes naming the resource.
   * @param options - Lease length, table, client, logger, renewal and hooks; see {@link LockOptions}.
   * @throws {@link InvalidArgumentError} for a bad id or option, before any request.
   */
  constructor(resourceId: string, options?: LockOptions) {
    this.resourceId = checkResourceId(resourceId);
    const o = resolveLockOptions(options, 'lock options', this.resourceId);
    this.#ctx = createContext(this.resourceId, o, clockOf(options), this);
    this.tableName = o.tableName;
    this.duration = o.durationMs / 1000;
    this.concurrency = o.concurrency;
    this.tableLayout = o.tableLayout;
    this.owner = o.owner;
    // Locks that disagree on the layout or the concurrency never share a line (its capacity is the concurrency).
    this.#lineKey = `${this.tableName}\n${this.resourceId}\n${o.tableLayout}\n${o.concurrency}`;
  }

  /**
   * The DynamoDB client this lock sends with: the one passed in `options`, or the shared default
   * client, which is built on first use (by the first request, not by reading this property).
   */
  get client(): DynamoDBClient | undefined {
    return this.#ctx.o.client;
  }

  /**
   * Whether this instance holds an unexpired lease: acquired, not released, not lost, and its
   * lease (by this process's monotonic clock and by its wall clock, each less the safety
   * margin) not yet run out.
   */
  locked(): boolean {
    return this.#state.kind === 'held' && this.#state.lease.valid();
  }

  /**
   * Aborts when the current lease is lost (taken by another owner, expired before renewal, or
   * unrenewable because DynamoDB is unreachable), at least `safetyMargin` before the lease ends
   * by this process's clock; the reason is a {@link LockLostError}. It also aborts when the lease
   * is released, with a {@link LockReleasedError}, so that work still running learns the lock is
   * gone. Before the first acquire it is already aborted; a new acquire gives a new signal.
   */
  get signal(): AbortSignal {
    return this.#last?.controller.signal ?? NOT_HELD;
  }

  /**
   * The fencing token of the current (or last) acquisition: strictly greater than every token
   * minted before for this resource (on a `'slots'` table: for this slot, as each slot keeps its
   * own counter). Pass it to the resource you protect, and have it reject writes with a smaller
   * token than it has seen (for that slot).
   */
  get fencingToken(): number | undefined {
    return this.#last?.fencingToken;
  }

  /**
   * True when the current acquisition took over a lease whose holder had not released it
   * (it crashed, hung or lost its network): the resource may need recovery.
   */
  get tookOver(): boolean {
    return this.#last?.tookOver ?? false;
  }

  /**
   * The slot held (its `concurrency_id`, `0` to `concurrency - 1`) on a `'slots'` table;
   * undefined when not held, and always on a `'single'` table. A fencing token orders the
   * holders of one slot: pass both to the resource you protect.
   */
  get slot(): number | undefined {
    return this.#state.kind === 'held' ? this.#ctx.slotOf(this.#state.lease.slot) : undefined;
  }

  /**
   * The data this lock writes with each acquire: the `data` option, replaced by each successful
   * {@link DynamoDbLock.setData}. Undefined when it writes none.
   */
  get data(): string | undefined {
    return this.#ctx.memory.data;
  }

  /** When the current lease ends, as a `Date` by this process's clock; undefined when not held. */
  get expiresAt(): Date | undefined {
    return this.#state.kind === 'held' ? new Date(this.#state.lease.expiresAt) : undefined;
  }

  /**
   * Acquires the lock.
   *
   * @returns `true` once held; `false` when `blocking: false` found it held elsewhere or
   * `timeout` ran out. Either way a failed acquire leaves the instance usable, holding nothing.
   * @throws {@link UnreachableError} instead of `false` when DynamoDB never answered this
   * acquire, so that an unreachable DynamoDB never looks like a busy lock. (A blocking acquire
   * without a `timeout` keeps retrying, with a WARNING per retry that names the error.)
   * @throws {@link MisconfiguredError} at once when retrying cannot help (no region, no
   * credentials, access denied, an unknown host, a TLS failure).
   * @throws {@link AlreadyAcquiredError} if this instance holds or is acquiring the lock.
   * @throws {@link AbortedError} when `signal` aborts; nothing is left held.
   * @throws {@link LeaseTooShortError} when answers keep coming too late to use the lease.
   * @throws {@link TableNotFoundError}, {@link ThrottledError}, {@link DynamoDbError}.
   *
   * @example
   * if (await lock.acquire({ timeout: 2 })) { ... }
   */
  async acquire(options?: AcquireOptions): Promise<boolean> {
    const ctx = this.#ctx;
    // A blocking acquire first waits its turn behind this process's other waiters for the same
    // lock, so that only one of them polls DynamoDB. A single try needs no turn: one write.
    let turn: Turn | undefined;
    return runAcquire<Lease>(
      {
        ctxs: [ctx],
        what: `the lock on \`${this.resourceId}\``,
        owner: this,
        state: () => this.#state,
        setState: (state) => {
          this.#state = state;
        },
        contact: (blocking) => new Contact(ctx, blocking),
        take: async (a, w, contact) => {
          if (a.blocking) {
            turn = await waitTurn(
              endpointOf(ctx.client()),
              this.#lineKey,
              ctx.clock,
              a.signal,
              w.deadline,
              this.concurrency,
            );
            if (turn === undefined) return undefined;
          }
          return acquireLease(ctx, a, w, contact);
        },
        started: (lease, a) => {
          this.#last = lease;
          lease.start(a.autoRenew ?? ctx.o.autoRenew, turn);
        },
        ended: () => turn?.leave(),
      },
      options,
    );
  }

  /**
   * Pushes the lease end out to `seconds` (default: the lock's `duration`) from now,
   * conditional on still owning it. Never shortens the lease: asking for less than is left
   * keeps the current end.
   *
   * @throws {@link LockNotAcquiredError} if this instance does not hold the lock.
   * @throws {@link LockLostError} if the lease is gone (and `signal` aborts).
   *
   * @example
   * await lock.extend(60); // this step needs up to a minute more
   */
  async extend(seconds?: number): Promise<void> {
    const durationMs = seconds === undefined ? this.#ctx.o.durationMs : checkSeconds(seconds, 'seconds');
    await this.#held('extend').lease.extend(durationMs);
  }

  /**
   * Replaces the lock item's `data` while this instance holds the lock: one conditional write,
   * which also extends the lease by `duration` (as {@link DynamoDbLock.extend} does, with its
   * retries). Later acquires by this instance write the new data too.
   *
   * @param data - A string; the resource id, `owner` and `data` together at most 640 UTF-8 bytes.
   * @throws {@link InvalidArgumentError} for bad data, before any request.
   * @throws {@link LockNotAcquiredError} if this instance does not hold the lock.
   * @throws {@link LockLostError} if the lease is gone (and `signal` aborts).
   *
   * @example
   * await lock.setData(JSON.stringify({ step: 'upload', progress: 0.4 }));
   */
  async setData(data: string): Promise<void> {
    checkData(data, this.resourceId, this.owner);
    await this.#held('set data on').lease.setData(data);
  }

  /**
   * A `ConditionCheck` element for `TransactWriteItems` that holds exactly while this lease does:
   * the item (the slot, on a `'slots'` table) still carries this acquisition's owner code and was
   * not released. Add it to your own transaction, and the transaction commits only if this
   * instance still holds the lock at that instant: a holder that was paused past its lease and
   * replaced writes nothing, with no clock involved. The default form has attribute values
   * (`{ S: 'x' }`) for `TransactWriteItemsCommand`; `{ form: 'document' }` gives plain values for
   * `@aws-sdk/lib-dynamodb`'s `TransactWriteCommand`. A failed check returns the lock item
   * (`ALL_OLD`), so the cancellation says who holds it now. {@link DynamoDbLock.transactWrite}
   * sends it for you and reads the answer.
   *
   * Needs `dynamodb:ConditionCheckItem` on the lock table, and an endpoint with transactions
   * (DynamoDB or DynamoDB Local; not dynalite).
   *
   * @throws {@link LockNotAcquiredError} if this instance does not hold the lock.
   * @throws {@link LockLostError} if the lease is already known lost.
   * @throws {@link InvalidArgumentError} for a bad option.
   *
   * @example
   * await client.send(new TransactWriteItemsCommand({
   *   TransactItems: [{ Put: { TableName: 'reports', Item: report } }, lock.conditionCheck()],
   * }));
   */
  conditionCheck(options?: ConditionCheckOptions & { readonly form?: 'raw' }): TransactWriteItem;
  conditionCheck(options: ConditionCheckOptions & { readonly form: 'document' }): DocumentConditionCheck;
  conditionCheck(options?: ConditionCheckOptions): TransactWriteItem | DocumentConditionCheck {
    const form = checkForm(options);
    return conditionCheckOf(this.#held('write under'), form);
  }

  /**
   * A lock-checked write: sends your `items` and {@link DynamoDbLock.conditionCheck} in one
   * `TransactWriteItems` through the lock's client, so that they commit only while this instance
   * holds the lock. Conflicts, throttling and transient failures are retried (five attempts in
   * all) under one client request token, so a retry never applies the write twice.
   *
   * Give `items` with attribute values (`{ S: 'x' }`), or pass `send` to send them in the
   * document client's form through `@aws-sdk/lib-dynamodb`: `transactWrite(items, { send: (input,
   * signal) => doc.send(new TransactWriteCommand(input), { abortSignal: signal }) })`.
   *
   * @returns what DynamoDB answered (or what `send` resolved with).
   * @throws {@link LockLostError} when the lock's own check failed: another owner holds the item.
   * The lease is then lost (`signal` aborts, `locked()` is false) and nothing was written.
   * @throws the SDK's `TransactionCanceledException`, untouched (with its `CancellationReasons`),
   * when one of your items' conditions failed; and any other SDK error, untouched.
   * @throws {@link LockNotAcquiredError} if this instance does not hold the lock,
   * {@link InvalidArgumentError} for bad items (a plain value where an attribute value belongs:
   * the document client's form) or options, both before any request.
   * @throws {@link TransactionsUnsupportedError} on an endpoint without transactions (dynalite).
   *
   * @example
   * await lock.transactWrite([
   *   { Put: { TableName: 'reports', Item: { id: { S: 'daily' }, body: { S: body } } } },
   * ]);
   */
  transactWrite(
    items: readonly TransactWriteItem[],
    options?: TransactWriteOptions,
  ): Promise<TransactWriteItemsCommandOutput>;
  transactWrite<I extends object, T>(items: readonly I[], options: DocumentTransactWriteOptions<I, T>): Promise<T>;
  async transactWrite(items: readonly object[], options?: TransactWriteOptions): Promise<unknown> {
    return lockCheckedWrite([this.#held('write under')], items, options);
  }

  /** The lease held and this lock's context, or the error for a lock not held. */
  #held(what: string): Held {
    if (this.#state.kind !== 'held') {
      throw new LockNotAcquiredError(
        `Cannot ${what} the lock: this instance does not hold the lock on \`${this.resourceId}\``,
      );
    }
    return { ctx: this.#ctx, lease: this.#state.lease };
  }

  /**
   * Releases the lock, and aborts `signal` with a {@link LockReleasedError} (if it had not
   * aborted already).
   *
   * Stops renewal (waiting for a renewal in flight), then writes the release. If another owner
   * took the lease meanwhile, it logs a WARNING, as Python dynamo-dlm did, and rejects with a
   * {@link LockLostError} so that the caller knows the work was not protected; it rejects the
   * same way if the lease had run out before the release was sent. A signal that aborted inside
   * the safety margin, with the release still in time, lost nothing: the release resolves.
   * Either way the instance ends up holding nothing and can acquire again.
   *
   * @throws {@link LockNotAcquiredError} if this instance does not hold the lock.
   * @throws {@link LockLostError} if the lease had been taken by another owner, or had run out.
   */
  async release(): Promise<void> {
    await releaseThrough(this.#held('release').lease, (state) => {
      this.#state = state;
    });
  }

  /**
   * Releases the lock if this instance holds it; does nothing otherwise. For `await using`.
   *
   * @example
   * {
   *   await using lock = new DynamoDbLock('job');
   *   await lock.acquire();
   *   // ... released when the block exits
   * }
   */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#state.kind === 'held') await this.release();
  }
}
