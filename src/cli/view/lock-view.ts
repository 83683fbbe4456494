import { randomBytes } from 'node:crypto';
import { type AttributeValue, type DynamoDBClient, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ATTR, type ItemKey, itemKey, parseHolder, type TableLayout } from '../../item/attributes.js';
import { describeLock, getLockItem } from '../../read-lock.js';
import { wrapSdkError } from '../../runtime/sdk-errors.js';

/** Prefix of the owner code a forced release writes, so that `status` can say so. */
export const FORCED_CODE_PREFIX = 'forced-';

/** A fresh owner code that marks a forced release: no holder has it, so none can renew. */
export function forcedCode(): string {
  return `${FORCED_CODE_PREFIX}${randomBytes(12).toString('hex')}`;
}

/**
 * - `free`: no item (never locked, or deleted by TTL);
 * - `held`: a lease that has not ended by the reader's clock;
 * - `expired`: the holder neither released nor renewed (it crashed or hung); free to take
 *   once the clock-skew allowance has passed;
 * - `released`: a released marker.
 */
export type LockViewState = 'free' | 'held' | 'expired' | 'released';

/** What `status` and `list` show of one lock item: the library's `LockInfo`, plus what only an operator needs. */
export interface LockView {
  readonly resourceId: string;
  /** The slot (`concurrency_id`) of an item of a 'slots' table; undefined on a 'single' one. */
  readonly slot?: number | undefined;
  readonly state: LockViewState;
  /** The holder's `owner` (or, once released, the last holder's); undefined for a Python lease. */
  readonly owner: string | undefined;
  /** The holder's (or the last holder's) `data`. */
  readonly data: string | undefined;
  /** The first 8 characters of the owner code: enough to tell holders apart, not to impersonate. */
  readonly holder: string | undefined;
  /** Lease end, epoch ms; undefined when free or released. */
  readonly expiresAt: number | undefined;
  readonly fencingToken: number | undefined;
  /** The last release was `release --force`. */
  readonly forced: boolean;
}

/** A lock item as read: what `status` shows, and what a forced release must find unchanged. */
export interface LockRead {
  readonly view: LockView;
  /** The full owner code (never printed: shown only as {@link LockView.holder}). */
  readonly code: string | undefined;
}

/**
 * Reads one lock item through the library's read (a strongly consistent GetItem, cut off after
 * 5 s), judged at `now`: the resource's item on a 'single' table, or one slot's (`key` from
 * `itemKey`) on a 'slots' table. SDK errors become the library's typed errors.
 */
export async function readLockView(
  client: DynamoDBClient,
  tableName: string,
  resourceId: string,
  now: () => number = Date.now,
  key: ItemKey = itemKey('single', resourceId, 0),
  layout: TableLayout = 'single',
): Promise<LockRead> {
  const item = await getLockItem(client, { tableName, resourceId, key, layout });
  const slot = slotOf(key);
  const view = viewLock(resourceId, item, now());
  return { view: slot === undefined ? view : { ...view, slot }, code: parseHolder(item)?.releaseCode };
}

/**
 * Every slot item of a resource on a 'slots' table, by slot: one strongly consistent Query
 * (paginated). A slot never taken has no item and is not listed. Needs dynamodb:Query.
 */
export async function readSlotViews(
  client: DynamoDBClient,
  tableName: string,
  resourceId: string,
  now: () => number = Date.now,
): Promise<LockView[]> {
  const query = (start: Item | undefined) =>
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: '#rid = :rid',
      ExpressionAttributeNames: { '#rid': ATTR.resourceId },
      ExpressionAttributeValues: { ':rid': { S: resourceId } },
      ConsistentRead: true,
      ExclusiveStartKey: start,
    });
  const items = await allPages((start) => client.send(query(start)), resourceId, tableName, 'Query');
  return viewsOf(items, now());
}

/**
 * Every lock item in the table, by resource and slot: a strongly consistent Scan (paginated;
 * it reads the whole table). Needs dynamodb:Scan.
 */
export async function readTableViews(
  client: DynamoDBClient,
  tableName: string,
  now: () => number = Date.now,
): Promise<LockView[]> {
  const scan = (start: Item | undefined) =>
    new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start });
  return viewsOf(await allPages((start) => client.send(scan(start)), tableName, tableName, 'Scan'), now());
}

/** Views of lock items as of `nowMs`, by resource, then slot. */
function viewsOf(items: readonly Item[], nowMs: number): LockView[] {
  return items
    .map((item) => viewLock(item[ATTR.resourceId]?.S ?? '?', item, nowMs))
    .sort((a, b) =>
      a.resourceId < b.resourceId ? -1 : a.resourceId > b.resourceId ? 1 : (a.slot ?? 0) - (b.slot ?? 0),
    );
}

type Item = Record<string, AttributeValue>;

/** Every item of a paginated read (Query or Scan), page after page; SDK errors become the library's. */
async function allPages(
  read: (start: Item | undefined) => Promise<{ Items?: Item[] | undefined; LastEvaluatedKey?: Item | undefined }>,
  resourceId: string,
  tableName: string,
  operation: 'Query' | 'Scan',
): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await read(start).catch((error: unknown) => {
      throw wrapSdkError(error, resourceId, tableName, operation, operation === 'Query' ? 'slots' : undefined);
    });
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

/**
 * What `status` shows of a resource: its item on a 'single' table, every slot item on a
 * 'slots' one. A table said to be 'single' that turns out to have a sort key (DynamoDB refuses
 * the GetItem's key) is read as 'slots', so that `status` understands either without flags.
 */
export async function readResourceViews(
  client: DynamoDBClient,
  tableName: string,
  layout: TableLayout,
  resourceId: string,
  now: () => number = Date.now,
): Promise<{ readonly layout: TableLayout; readonly views: LockView[] }> {
  if (layout === 'slots') return { layout, views: await readSlotViews(client, tableName, resourceId, now) };
  try {
    return { layout, views: [(await readLockView(client, tableName, resourceId, now)).view] };
  } catch (error) {
    const sdk = (error as { cause?: { name?: unknown; message?: unknown } }).cause;
    if (sdk?.name !== 'ValidationException' || !/key|schema/i.test(String(sdk.message))) throw error;
    return { layout: 'slots', views: await readSlotViews(client, tableName, resourceId, now) };
  }
}

function slotOf(key: ItemKey): number | undefined {
  const n = key[ATTR.concurrencyId]?.N;
  return n === undefined ? undefined : Number(n);
}

/** Reads a raw lock item as of `nowMs`, as the library's `readLock` does, plus the operator's extras. Pure. */
export function viewLock(
  resourceId: string,
  item: Record<string, AttributeValue> | undefined,
  nowMs: number,
): LockView {
  const info = describeLock(item?.[ATTR.resourceId]?.S ?? resourceId, item, nowMs);
  const code = parseHolder(item)?.releaseCode;
  const forced = code?.startsWith(FORCED_CODE_PREFIX) ?? false;
  // A lease whose end cannot be read is one no acquire admits: show it as expired, not held.
  const state: LockViewState =
    info.state === 'held' && (info.expired || info.expiresAt === undefined) ? 'expired' : info.state;
  const slot = item?.[ATTR.concurrencyId]?.N;
  return {
    resourceId: info.resourceId,
    ...(slot === undefined ? {} : { slot: Number(slot) }),
    state,
    owner: info.owner,
    data: info.data,
    holder: code === undefined || forced ? undefined : code.slice(0, 8),
    expiresAt: info.expiresAt?.getTime(),
    fencingToken: info.fencingToken,
    forced,
  };
}
