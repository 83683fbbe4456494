import type { DynamoDBClient, TransactWriteItem, TransactWriteItemsCommandOutput } from '@aws-sdk/client-dynamodb';
import { runAcquire } from './acquire/acquire-session.js';
import { Contact } from './acquire/contact.js';
import { AlreadyAcquiredError, InvalidArgumentError, LockNotAcquiredError } from './errors.js';
import type { TableLayout } from './item/attributes.js';
import { utf8Bytes } from './item/budget.js';
import { acquireRequest } from './item/requests.js';
import {
  acquireUpdate,
  type DocumentConditionCheck,
  MAX_TRANSACT_BYTES,
  transactBytes,
} from './item/transact-requests.js';
import { type HolderState, IDLE, notHeldSignal, releaseThrough } from './lease/holder-state.js';
import { DynamoDbLock } from './lock.js';
import type { AcquireOptions } from './options/acquire-options.js';
import type { LockOptions } from './options/lock-options.js';
import { resolveLockOptions } from './options/lock-options.js';
import {
  type ConditionCheckOptions,
  checkForm,
  type DocumentTransactWriteOptions,
  type TransactWriteOptions,
} from './options/transact-options.js';
import { checkSeconds } from './options/validate.js';
import { createContext, type LockContext } from './runtime/context.js';
import { clockOf } from './runtime/test-seam.js';
import { conditionCheckOf, type Held, lockCheckedWrite } from './transaction/lock-check.js';
import { acquireAll, named } from './transaction/multi-acquire.js';
import { MultiLease } from './transaction/multi-lease.js';
import { checkResourceIds } from './transaction/transact-validate.js';

/**
 * Options of a {@link DynamoDbMultiLock}: every lock option but `concurrency` (a multi-lock holds
 * each of its resources alone; on a `'slots'` table it takes slot 0 of each, as a lock of
 * `concurrency` 1 does).
 */
export type MultiLockOptions = Omit<LockOptions, 'concurrency'>;

type State = HolderState<MultiLease>;

const NOT_HELD = notHeldSignal('The locks have not been acquired');

/**
 * A lock on several resources at once, all or nothing: one `TransactWriteItems` takes every
 * resource's lock item under the single lock's own acquire condition, or none of them. Its items
 * are single locks' items: a {@link DynamoDbLock} on `a`, a multi-lock on `['a', 'b']` and a
 * Python dynamo-dlm 1.x client on `b` all exclude one another. Holding nothing while it waits, it
 * cannot take part in a deadlock, whatever order other multi-locks name their resources in.
 *
 * Each resource keeps its own lease and fencing token: renewal, `signal`, `extend`, loss (the
 * `LockLostError` names the resource) and release work as they do for one lock. Cost: the
 * acquire bills two write units per resource (a transactional write) plus one read unit per
 * resource (the tokens are read back: a transaction returns no values); renewals and the release
 * are the single lock's writes, one write unit per resource each. Needs an endpoint with
 * transactions (DynamoDB, DynamoDB Local; not dynalite), and `dynamodb:UpdateItem` and
 * `dynamodb:BatchGetItem` on the table.
 *
 * Limits, checked before any request: 1 to 100 distinct resource ids, all in one table (the
 * multi-lock's `tableName`); the transaction's items stay far below DynamoDB's 4 MB.
 *
 * @example
 * const transfer = new DynamoDbMultiLock(['account-17', 'account-42'], { client, autoRenew: true });
 * await transfer.acquire();
 * try {
 *   await move(100, { signal: transfer.signal, tokens: transfer.fencingTokens });
 * } finally {
 *   await transfer.release();
 * }
 */
export class DynamoDbMultiLock implements AsyncDisposable {
  /** The resources this lock protects, in the order given. */
  readonly resourceIds: readonly string[];
  /** The lock table, which holds every resource's item. */
  readonly tableName: string;
  /** Lease length, seconds. */
  readonly duration: number;
  /** The table's key layout: `'single'` (Python 1.x) or `'slots'` (Python 2.x; slot 0 of each resource). */
  readonly tableLayout: TableLayout;
  /** Who this lock says holds the leases, written to every item with every acquire. */
  readonly owner: string;

  readonly #ctxs: readonly LockContext[];
  #state: State = IDLE;
  /** The most recent acquisition, kept after it ends for `signal`, `fencingTokens` and `tookOver`. */
  #last: MultiLease | undefined;

  /**
   * @param resourceIds - 1 to 100 distinct resource ids, each as for {@link DynamoDbLock}.
   * @param options - As for a {@link DynamoDbLock}, without `concurrency`; `data` (if any) is
   * written to every item, and must fit beside the longest id.
   * @throws {@link InvalidArgumentError} for bad ids (none, more than 100, a duplicate, an
   * invalid one) or a bad option, before any request.
   */
  constructor(resourceIds: readonly string[], options?: MultiLockOptions) {
    this.resourceIds = checkResourceIds(resourceIds);
    if (typeof options === 'object' && options !== null && 'concurrency' in options) {
      throw new InvalidArgumentError(
        "Unknown option `concurrency` in multi-lock options: a multi-lock holds each resource alone (slot 0 on a 'slots' table)",
      );
    }
    // `data` goes to every item: it must fit beside the longest id.
    const longest = this.resourceIds.reduce((a, b) => (utf8Bytes(b) > utf8Bytes(a) ? b : a));
    const o = resolveLockOptions(options, 'multi-lock options', longest);
    const clock = clockOf(options);
    // Each resource's events go to the diagnostics channels as a lock's of that resource, so that
    // consumers following each lock's lease (dynamo-dlm/opentelemetry) count every resource's
    // lease apart. That lock is an identity only, never acquired (hooks get the events as they are).
    this.#ctxs = this.resourceIds.map((id) => createContext(id, o, clock, new DynamoDbLock(id, options)));
    this.tableName = o.tableName;
    this.duration = o.durationMs / 1000;
    this.tableLayout = o.tableLayout;
    this.owner = o.owner;
    // Stated rather than reachable: 100 items of at most a few KB each (a 2048-byte id, a
    // 128-byte owner, 640 bytes with data) stay far below DynamoDB's 4 MB per transaction.
    const sample = this.#ctxs.map((ctx) => acquireUpdate(acquireRequest(ctx.acquireInput(0, '0'.repeat(32), 0)), true));
    if (transactBytes(sample) > MAX_TRANSACT_BYTES) {
      throw new InvalidArgumentError(`Expected the multi-lock's items to fit in one transaction (4 MB)`);
    }
  }

  /** The DynamoDB client this lock sends with: the one passed in `options`, or undefined for the shared default. */
  get client(): DynamoDBClient | undefined {
    return this.#ctxs[0]?.o.client;
  }

  /** Whether this instance holds every lease, none lost, each outside its safety margin by both clocks. */
  locked(): boolean {
    return this.#state.kind === 'held' && this.#state.lease.valid();
  }

  /**
   * Aborts when any resource's lease is lost, with that resource's {@link LockLostError} (its
   * `resourceId` says which), at least `safetyMargin` before that lease ends; and on release, with
   * a {@link LockReleasedError}. Already aborted before the first acquire; a new acquire gives a
   * new signal.
   */
  get signal(): AbortSignal {
    return this.#last?.controller.signal ?? NOT_HELD;
  }

  /**
   * Each resource's fencing token of the current (or last) acquisition, by resource id: each
   * strictly greater than every token minted before for that resource, by any lock. Empty before
   * the first acquire.
   */
  get fencingTokens(): ReadonlyMap<string, number> {
    const leases = this.#last?.leases ?? [];
    return new Map(leases.map((lease, i) => [this.resourceIds[i] as string, lease.fencingToken]));
  }

  /**
   * The resources whose lease the current (or last) acquisition took over from a holder that had
   * not released it (it crashed, hung or lost its network): those may need recovery. Empty when
   * none (and before the first acquire).
   */
  get tookOver(): readonly string[] {
    const leases = this.#last?.leases ?? [];
    return this.resourceIds.filter((_, i) => leases[i]?.tookOver === true);
  }

  /** When the first of the current leases ends, as a `Date` by this process's clock; undefined when not held. */
  get expiresAt(): Date | undefined {
    return this.#state.kind === 'held' ? new Date(this.#state.lease.expiresAt) : undefined;
  }

  /**
   * Acquires every resource, all at once or not at all. While any is held elsewhere it holds
   * none, and waits by what the refused transaction said (which items are held, until when, and
   * how long their holds last); a transaction conflict (another write on one of the items at that
   * instant) is retried at once and is not contention.
   *
   * @returns `true` once all are held; `false` when `blocking: false` found one held or `timeout`
   * ran out (nothing is left held).
   * @throws {@link UnreachableError} instead of `false` when DynamoDB never answered this acquire,
   * and {@link MisconfiguredError} at once when retrying cannot help, as a single lock's acquire.
   * @throws {@link AlreadyAcquiredError}, {@link AbortedError}, {@link LeaseTooShortError},
   * {@link TableNotFoundError}, {@link ThrottledError}, {@link DynamoDbError}, as a single lock's acquire.
   * @throws {@link TransactionsUnsupportedError} on an endpoint without transactions (dynalite).
   */
  async acquire(options?: AcquireOptions): Promise<boolean> {
    const ctx = this.#ctxs[0] as LockContext;
    return runAcquire<MultiLease>(
      {
        ctxs: this.#ctxs,
        what: `the locks on ${named(this.#ctxs)}`,
        owner: this,
        state: () => this.#state,
        setState: (state) => {
          this.#state = state;
        },
        contact: (blocking) => new Contact(ctx, blocking, named(this.#ctxs)),
        take: async (a, w, contact) => {
          const leases = await acquireAll(this.#ctxs, a, w, contact);
          return leases === undefined ? undefined : new MultiLease(this.resourceIds, leases);
        },
        started: (lease, a) => {
          this.#last = lease;
          lease.start(a.autoRenew ?? ctx.o.autoRenew);
        },
      },
      options,
    );
  }

  /**
   * Pushes every lease end out to `seconds` (default: `duration`) from now, each conditional on
   * still owning it; never shortens one.
   *
   * @throws {@link LockNotAcquiredError} if this instance does not hold the locks.
   * @throws {@link LockLostError} if a lease is gone (the first, in the order of the ids).
   */
  async extend(seconds?: number): Promise<void> {
    const durationMs =
      seconds === undefined ? (this.#ctxs[0] as LockContext).o.durationMs : checkSeconds(seconds, 'seconds');
    await this.#lease('extend').extend(durationMs);
  }

  /**
   * One `ConditionCheck` element per resource (see {@link DynamoDbLock.conditionCheck}): add them
   * all to a transaction, and it commits only while this instance holds every lease.
   *
   * @throws {@link LockNotAcquiredError} if not held; {@link LockLostError} if a lease is known lost.
   */
  conditionChecks(options?: ConditionCheckOptions & { readonly form?: 'raw' }): TransactWriteItem[];
  conditionChecks(options: ConditionCheckOptions & { readonly form: 'document' }): DocumentConditionCheck[];
  conditionChecks(options?: ConditionCheckOptions): (TransactWriteItem | DocumentConditionCheck)[] {
    const form = checkForm(options);
    return this.#held('write under').map((h) => conditionCheckOf(h, form));
  }

  /**
   * A lock-checked write under every lease at once: your `items` plus one check per resource in
   * one `TransactWriteItems` (so at most `100 - resourceIds.length` items). As
   * {@link DynamoDbLock.transactWrite}; a failed check loses that resource's lease and rejects
   * with its {@link LockLostError}.
   */
  transactWrite(
    items: readonly TransactWriteItem[],
    options?: TransactWriteOptions,
  ): Promise<TransactWriteItemsCommandOutput>;
  transactWrite<I extends object, T>(items: readonly I[], options: DocumentTransactWriteOptions<I, T>): Promise<T>;
  async transactWrite(items: readonly object[], options?: TransactWriteOptions): Promise<unknown> {
    return lockCheckedWrite(this.#held('write under'), items, options);
  }

  /**
   * Releases every lease (in parallel, each after its renewal in flight) and aborts `signal` with
   * a {@link LockReleasedError} (unless a loss aborted it first). The instance then holds nothing,
   * whatever the outcome.
   *
   * @throws {@link LockNotAcquiredError} if this instance does not hold the locks.
   * @throws {@link LockLostError} if a lease had been taken by another owner, or had run out (the
   * first such resource, in the order of the ids); the others are released all the same.
   */
  async release(): Promise<void> {
    const lease = this.#lease('release');
    await releaseThrough(lease, (state) => {
      this.#state = state;
    });
  }

  /** Releases the locks if this instance holds them; does nothing otherwise. For `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#state.kind === 'held') await this.release();
  }

  #lease(what: string): MultiLease {
    if (this.#state.kind !== 'held') {
      throw new LockNotAcquiredError(`Cannot ${what}: this instance does not hold the locks on ${named(this.#ctxs)}`);
    }
    return this.#state.lease;
  }

  #held(what: string): Held[] {
    const lease = this.#lease(`${what} the locks`);
    return lease.leases.map((l, i) => ({ ctx: this.#ctxs[i] as LockContext, lease: l }));
  }
}
