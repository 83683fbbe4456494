import {
  CreateTableCommand,
  DescribeTableCommand,
  type DescribeTableCommandOutput,
  type DynamoDBClient,
  type TableDescription,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { defaults } from './defaults.js';
import { DynamoDbError, DynamoDlmError, TableNotFoundError } from './errors.js';
import { ATTR, type TableLayout } from './item/attributes.js';
import { checkClient, checkKeys, checkObject, checkTableLayout, checkTableName } from './options/validate.js';
import { defaultClient } from './runtime/client.js';
import { type Clock, deadlineSignal } from './runtime/clock.js';
import { endpointLabel, markAnswered, resolveEndpoint } from './runtime/endpoint.js';
import { answered, classify, errorText, misconfigured } from './runtime/sdk-errors.js';
import { clockOf } from './runtime/test-seam.js';
import { cutOff, unanswered } from './runtime/unanswered.js';

/** Options of {@link createLockTable}. */
export interface CreateLockTableOptions {
  /** @default a shared client from the default AWS configuration */
  readonly client?: DynamoDBClient;
  /** @default defaults.tableName ('dynamo_dlm_locks') */
  readonly tableName?: string;
  /**
   * `'single'`: partition key `resource_id` only (Python dynamo-dlm 1.x). `'slots'`: partition
   * key `resource_id` and sort key `concurrency_id` (Number), for `concurrency` above 1 and
   * Python dynamo-dlm 2.x.
   * @default defaults.tableLayout ('single')
   */
  readonly tableLayout?: TableLayout;
}

/** What {@link createLockTable} did. */
export interface CreateLockTableResult {
  /** The table's name. */
  readonly tableName: string;
  /** The table's key layout. */
  readonly tableLayout: TableLayout;
  /** False when the table already existed (with the right key schema). */
  readonly created: boolean;
  /**
   * `enabled` when TTL is on for the `ttl` attribute (now or already); `unsupported` when the
   * server has no TTL API (dynalite): items then stay until overwritten.
   */
  readonly ttl: 'enabled' | 'unsupported';
}

const KEYS = new Set(['client', 'tableName', 'tableLayout']);

/** How long each request may go unanswered, as for `readLock` and each of the lock's writes. */
export const TABLE_REQUEST_TIMEOUT_MS = 5_000;

/** The key schema of each layout. */
function keySchema(layout: TableLayout) {
  const hash = { AttributeName: ATTR.resourceId, KeyType: 'HASH' as const };
  if (layout === 'single') {
    return {
      AttributeDefinitions: [{ AttributeName: ATTR.resourceId, AttributeType: 'S' as const }],
      KeySchema: [hash],
    };
  }
  return {
    AttributeDefinitions: [
      { AttributeName: ATTR.resourceId, AttributeType: 'S' as const },
      { AttributeName: ATTR.concurrencyId, AttributeType: 'N' as const },
    ],
    KeySchema: [hash, { AttributeName: ATTR.concurrencyId, KeyType: 'RANGE' as const }],
  };
}

/**
 * Creates the lock table (on-demand capacity, partition key `resource_id` String, and with
 * `tableLayout: 'slots'` sort key `concurrency_id` Number) and enables TTL on its `ttl` attribute, so that DynamoDB deletes stale lock items. Safe to run
 * again: an existing table with the right schema is kept.
 *
 * Needs `dynamodb:CreateTable`, `dynamodb:DescribeTable`, `dynamodb:UpdateTimeToLive`.
 *
 * Each request is cut off after 5 s without an answer, whatever the client's own settings.
 *
 * @throws {@link InvalidArgumentError} for bad options, before any request.
 * @throws {@link DynamoDbError} when an existing table has another key schema, or is a global
 * table without multi-region strong consistency (two regions could then both take one lock),
 * or when DynamoDB fails; {@link TableNotFoundError} if the table vanished meanwhile.
 * @throws {@link UnreachableError} when a request got no answer (refused, reset, or nothing
 * within 5 s); {@link MisconfiguredError} when retrying cannot help (no region, no credentials,
 * access denied, an unknown host, a TLS failure).
 *
 * @example
 * await createLockTable({ tableName: 'dynamo_dlm_locks' });
 * await createLockTable({ tableName: 'jobs_semaphores', tableLayout: 'slots' }); // Python 2.x layout
 */
export async function createLockTable(options?: CreateLockTableOptions): Promise<CreateLockTableResult> {
  const o = options === undefined ? {} : checkObject(options, 'createLockTable options');
  checkKeys(o, KEYS, 'createLockTable options');
  if (o.client !== undefined) checkClient(o.client);
  const tableName = o.tableName === undefined ? defaults.tableName : checkTableName(o.tableName);
  const tableLayout = o.tableLayout === undefined ? defaults.tableLayout : checkTableLayout(o.tableLayout);
  const client = (o.client as DynamoDBClient | undefined) ?? defaultClient();
  const send = sender(client, clockOf(options));
  await resolveEndpoint(client);

  let created = true;
  try {
    await send(
      new CreateTableCommand({
        TableName: tableName,
        ...keySchema(tableLayout),
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') throw tableError('creating', tableName, error, client);
    created = false;
  }
  await waitUntilActive(send, client, tableName, tableLayout);

  let ttl: CreateLockTableResult['ttl'] = 'enabled';
  try {
    await send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: ATTR.ttl, Enabled: true },
      }),
    );
  } catch (error) {
    const name = (error as Error).name;
    const message = (error as Error).message ?? '';
    if (name === 'UnknownOperationException') ttl = 'unsupported';
    // Enabling TTL twice is refused ("TimeToLive is already enabled"): that is success.
    else if (!(name === 'ValidationException' && /already enabled/i.test(message))) {
      throw tableError('enabling TTL on', tableName, error, client);
    }
  }
  return { tableName, tableLayout, created, ttl };
}

type TableCommand = CreateTableCommand | DescribeTableCommand | UpdateTimeToLiveCommand;
/** Sends one table request; resolves with its output. */
type Send = (command: TableCommand) => Promise<unknown>;

/**
 * Sends each table request cut off after {@link TABLE_REQUEST_TIMEOUT_MS}: a client without a
 * request timeout, against an endpoint that accepts connections and never answers, would
 * otherwise leave `createLockTable` pending for ever. A request cut off that way, or one that
 * failed before any HTTP answer, rejects with an {@link UnreachableError} naming it.
 */
function sender(client: DynamoDBClient, clock: Clock): Send {
  return async (command) => {
    const what = `${command.constructor.name.replace(/Command$/, '')} of table \`${command.input.TableName}\``;
    const cutoff = deadlineSignal(clock, undefined, clock.monotonic() + TABLE_REQUEST_TIMEOUT_MS);
    try {
      // One overload per command class; at run time `send` takes any of them.
      const out: unknown = await client.send(
        command as DescribeTableCommand,
        cutoff.signal === undefined ? undefined : { abortSignal: cutoff.signal },
      );
      markAnswered(client);
      return out;
    } catch (error) {
      if (answered(error)) markAnswered(client);
      throw cutoff.timedOut() ? cutOff(client, what, error, TABLE_REQUEST_TIMEOUT_MS) : error;
    } finally {
      cutoff.cancel();
    }
  };
}

/** Every failure of a table request as a DynamoDlmError, the SDK error kept as `cause`. */
function tableError(doing: string, tableName: string, error: unknown, client: DynamoDBClient): DynamoDlmError {
  if (error instanceof DynamoDlmError) return error;
  const kind = classify(error);
  if (kind === 'missing-table') return new TableNotFoundError(tableName, { cause: error });
  const what = `${doing} table \`${tableName}\``;
  if (kind === 'misconfigured') return misconfigured(what, error, endpointLabel(client));
  return unanswered(client, what, error) ?? new DynamoDbError(`${what} failed: ${errorText(error)}`, { cause: error });
}

/**
 * Refuses a table the lock cannot be safe on. A global table with eventual consistency checks
 * each condition against its own region only, so two regions can both take one lock. Replicas
 * of a 2017-version global table are not listed by DescribeTable: its version is enough.
 */
function checkLockTable(table: TableDescription | undefined, tableName: string, layout: TableLayout): void {
  const found = tableLayoutOf(table);
  if (found !== layout) {
    const other = found === undefined ? 'another key schema' : `the key schema of tableLayout '${found}'`;
    throw new DynamoDbError(
      `Table \`${tableName}\` exists with ${other}; tableLayout '${layout}' needs partition key \`resource_id\` (String) and ${layout === 'slots' ? 'sort key `concurrency_id` (Number)' : 'no sort key'}`,
    );
  }
  const replicated = (table?.Replicas?.length ?? 0) > 0 || table?.GlobalTableVersion?.startsWith('2017') === true;
  if (replicated && table?.MultiRegionConsistency !== 'STRONG') {
    throw new DynamoDbError(
      `Table \`${tableName}\` is a global table with ${table?.MultiRegionConsistency === undefined ? 'eventual' : table.MultiRegionConsistency.toLowerCase()} multi-region consistency: each region checks a lock's condition against its own replica, so two regions can both take one lock. Use a single-region table, or a global table with multi-region strong consistency (MultiRegionConsistency STRONG)`,
    );
  }
}

/**
 * The layout a table's key schema has, or `undefined` when it is no lock table's. Reads only
 * the description DescribeTable returned.
 */
export function tableLayoutOf(table: TableDescription | undefined): TableLayout | undefined {
  const keys = table?.KeySchema ?? [];
  const typeOf = (name: string) => table?.AttributeDefinitions?.find((d) => d.AttributeName === name)?.AttributeType;
  const hash = keys.find((k) => k.KeyType === 'HASH');
  const range = keys.find((k) => k.KeyType === 'RANGE');
  if (hash?.AttributeName !== ATTR.resourceId || typeOf(ATTR.resourceId) !== 'S') return undefined;
  if (range === undefined) return 'single';
  return range.AttributeName === ATTR.concurrencyId && typeOf(ATTR.concurrencyId) === 'N' ? 'slots' : undefined;
}

const NEVER_ACTIVE: ReadonlySet<string> = new Set([
  'DELETING',
  'ARCHIVING',
  'ARCHIVED',
  'INACCESSIBLE_ENCRYPTION_CREDENTIALS',
  'REPLICATION_NOT_AUTHORIZED',
]);

async function waitUntilActive(
  send: Send,
  client: DynamoDBClient,
  tableName: string,
  layout: TableLayout,
): Promise<void> {
  for (let i = 0; ; i++) {
    let table: TableDescription | undefined;
    try {
      table = ((await send(new DescribeTableCommand({ TableName: tableName }))) as DescribeTableCommandOutput).Table;
    } catch (error) {
      throw tableError('describing', tableName, error, client);
    }
    checkLockTable(table, tableName, layout);
    if (table?.TableStatus === 'ACTIVE') return;
    // These never turn ACTIVE by waiting: say so now rather than after ten minutes.
    if (table?.TableStatus !== undefined && NEVER_ACTIVE.has(table.TableStatus)) {
      throw new DynamoDbError(`table \`${tableName}\` is ${table.TableStatus}, not ACTIVE`);
    }
    if (i > 600) throw new DynamoDbError(`table \`${tableName}\` did not become ACTIVE`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** i)));
  }
}
