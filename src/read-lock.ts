import { type AttributeValue, type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { defaults } from './defaults.js';
import { DynamoDbError, InvalidArgumentError } from './errors.js';
import { type ItemKey, itemKey, malformation, parseHolder, type TableLayout } from './item/attributes.js';
import {
  checkClient,
  checkKeys,
  checkObject,
  checkResourceId,
  checkSignal,
  checkSlot,
  checkTableLayout,
  checkTableName,
} from './options/validate.js';
import { defaultClient } from './runtime/client.js';
import { abortError, type Clock, deadlineSignal, systemClock } from './runtime/clock.js';
import { markAnswered, resolveEndpoint } from './runtime/endpoint.js';
import { answered, wrapSdkError } from './runtime/sdk-errors.js';
import { clockOf } from './runtime/test-seam.js';
import { cutOff, unanswered } from './runtime/unanswered.js';

/** Options of {@link readLock}. */
export interface ReadLockOptions {
  /**
   * Your `DynamoDBClient` or `DynamoDBDocumentClient`, as for a lock.
   * @default the shared client locks use
   */
  readonly client?: DynamoDBClient;
  /**
   * The lock table.
   * @default defaults.tableName ('dynamo_dlm_locks')
   */
  readonly tableName?: string;
  /**
   * The table's key layout, as for a lock. On a `'slots'` table (Python dynamo-dlm 2.x,
   * `concurrency` above 1) `readLock` reads one slot's item: `slot`.
   * @default defaults.tableLayout ('single')
   */
  readonly tableLayout?: TableLayout;
  /**
   * On a `'slots'` table, which slot (`concurrency_id`) to read: 0 to 999.
   * @default 0
   */
  readonly slot?: number;
  /** Abort the read: `readLock` rejects with an `AbortedError`. */
  readonly signal?: AbortSignal;
}

/**
 * - `free`: no item (never locked, or deleted by TTL after its retention);
 * - `held`: a lease was written and not released; it may have run out (see `expired`);
 * - `released`: the last holder released it (a released marker).
 */
export type LockState = 'free' | 'held' | 'released';

/** What {@link readLock} found: a plain object, safe to log or serialize. */
export interface LockInfo {
  readonly resourceId: string;
  readonly state: LockState;
  /**
   * Held now by the caller's clock: `state` is `held` and the lease has not ended. Another
   * client takes an ended lease only `clockSkewAllowance` (1 s by default) after its end.
   */
  readonly held: boolean;
  /** `state` is `held` but the lease end has passed by the caller's clock: the holder neither renewed nor released (it crashed, hung or lost its network). */
  readonly expired: boolean;
  /** The holder's (or, once released, the last holder's) `owner`; undefined for a Python client's lease. */
  readonly owner: string | undefined;
  /** The holder's (or the last holder's) `data`, if it wrote any. */
  readonly data: string | undefined;
  /** Lease end by the holder's clock; undefined when free or released. */
  readonly expiresAt: Date | undefined;
  /** Fencing token of the current (or last) acquisition; undefined when free or after a Python client. */
  readonly fencingToken: number | undefined;
}

const READ_OPTION_KEYS: ReadonlySet<string> = new Set(['client', 'tableName', 'tableLayout', 'slot', 'signal']);

/** How long the read may go unanswered before it fails, as for each of the lock's writes. */
export const READ_TIMEOUT_MS = 5_000;

/**
 * Reads who holds a lock: one strongly consistent `GetItem` (one read unit), the only read in
 * this package. The lock itself never reads: acquire, renew and release are conditional
 * writes. For operators and dashboards; to take the lock, call `acquire()`, not this and then
 * `acquire()` (the answer is stale the moment it arrives).
 *
 * @param resourceId - The resource, as given to `DynamoDbLock`.
 * @throws {@link InvalidArgumentError} for a bad id or option, before any request.
 * @throws {@link TableNotFoundError}, {@link ThrottledError}, {@link DynamoDbError} (also when
 * the item is malformed), {@link AbortedError}.
 * @throws {@link UnreachableError} when the read got no answer (refused, reset, or nothing within
 * 5 s); {@link MisconfiguredError} when retrying cannot help (no region, no credentials, an
 * unknown host, a TLS failure).
 *
 * @example
 * const info = await readLock('nightly-report', { client });
 * if (info.held) console.log(`${info.owner} holds it until ${info.expiresAt?.toISOString()}`);
 */
export async function readLock(resourceId: string, options?: ReadLockOptions): Promise<LockInfo> {
  const id = checkResourceId(resourceId);
  const o = options === undefined ? {} : checkObject(options, 'readLock options');
  checkKeys(o, READ_OPTION_KEYS, 'readLock options');
  if (o.client !== undefined) checkClient(o.client);
  const tableName = o.tableName === undefined ? defaults.tableName : checkTableName(o.tableName);
  const layout = o.tableLayout === undefined ? defaults.tableLayout : checkTableLayout(o.tableLayout);
  const slot = o.slot === undefined ? 0 : checkSlot(o.slot);
  if (o.slot !== undefined && layout !== 'slots') {
    throw new InvalidArgumentError(
      "Expected `slot` only with tableLayout 'slots': a 'single' table has one item per resource",
    );
  }
  const signal = o.signal === undefined ? undefined : checkSignal(o.signal);
  if (signal?.aborted) throw abortError(signal);
  const client = (o.client as DynamoDBClient | undefined) ?? defaultClient();
  const clock = clockOf(options);
  const item = await readItem(
    client,
    { tableName, resourceId: id, key: itemKey(layout, id, slot), layout },
    signal,
    clock,
  );
  const broken = malformation(item);
  if (broken !== undefined) {
    throw new DynamoDbError(`The lock item of \`${id}\` in \`${tableName}\` is malformed (${broken})`);
  }
  return describeLock(id, item, clock.now());
}

/** Which lock item to read: the resource's, or one slot's on a `'slots'` table. */
export interface ItemToRead {
  readonly tableName: string;
  readonly resourceId: string;
  /** From `itemKey`. */
  readonly key: ItemKey;
  /** For the hint when the table is keyed for the other layout. */
  readonly layout: TableLayout;
}

/**
 * The raw lock item, or undefined: one strongly consistent GetItem, cut off after
 * {@link READ_TIMEOUT_MS}. SDK errors become the library's typed errors. The one place the
 * library and the command line read a lock item.
 */
export function getLockItem(
  client: DynamoDBClient,
  r: ItemToRead,
  signal?: AbortSignal,
): Promise<Record<string, AttributeValue> | undefined> {
  return readItem(client, r, signal, systemClock);
}

/**
 * {@link getLockItem} on a given clock. Not exported: this file's declarations ship with
 * `readLock`, and the clock seam must not show in the published types (the package check
 * walks them).
 */
async function readItem(
  client: DynamoDBClient,
  r: ItemToRead,
  signal: AbortSignal | undefined,
  clock: Clock,
): Promise<Record<string, AttributeValue> | undefined> {
  const { tableName, resourceId } = r;
  // Ready long before a failure's message needs it: a failure takes a network round trip.
  void resolveEndpoint(client);
  const cutoff = deadlineSignal(clock, signal, clock.monotonic() + READ_TIMEOUT_MS);
  try {
    const out = await client.send(
      new GetItemCommand({ TableName: tableName, Key: r.key, ConsistentRead: true }),
      cutoff.signal === undefined ? undefined : { abortSignal: cutoff.signal },
    );
    markAnswered(client);
    return out.Item;
  } catch (error) {
    if (signal?.aborted) throw abortError(signal);
    if (answered(error)) markAnswered(client);
    // No answer is not a failure of DynamoDB's: the caller must be able to tell "unreachable"
    // (retry later, check the network) from an error DynamoDB returned, as for createLockTable.
    const what = `GetItem of \`${resourceId}\``;
    if (cutoff.timedOut()) throw cutOff(client, what, error, READ_TIMEOUT_MS);
    throw unanswered(client, what, error) ?? wrapSdkError(error, resourceId, tableName, 'GetItem', r.layout);
  } finally {
    cutoff.cancel();
  }
}

/** A raw lock item as {@link LockInfo}, judged at `nowMs` (epoch ms). Pure. */
export function describeLock(
  resourceId: string,
  item: Record<string, AttributeValue> | undefined,
  nowMs: number,
): LockInfo {
  const holder = parseHolder(item);
  if (holder === undefined) {
    return {
      resourceId,
      state: 'free',
      held: false,
      expired: false,
      owner: undefined,
      data: undefined,
      expiresAt: undefined,
      fencingToken: undefined,
    };
  }
  const end = holder.released ? undefined : holder.expiresMs;
  const expired = end !== undefined && end <= nowMs;
  return {
    resourceId,
    state: holder.released ? 'released' : 'held',
    held: !holder.released && !expired,
    expired,
    owner: holder.owner,
    data: holder.data,
    expiresAt: end === undefined ? undefined : new Date(end),
    fencingToken: holder.fencingToken,
  };
}
