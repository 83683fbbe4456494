import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type TableDescription,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { defaults } from './defaults.js';
import { DynamoDbError, DynamoDlmError, TableNotFoundError } from './errors.js';
import { ATTR, type TableLayout } from './item/attributes.js';
import { checkClient, checkKeys, checkObject, checkTableLayout, checkTableName } from './options/validate.js';
import { defaultClient } from './runtime/client.js';
import { classify } from './runtime/sdk-errors.js';

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
 * @throws {@link InvalidArgumentError} for bad options, before any request.
 * @throws {@link DynamoDbError} when an existing table has another key schema, or is a global
 * table without multi-region strong consistency (two regions could then both take one lock),
 * or when DynamoDB fails; {@link TableNotFoundError} if the table vanished meanwhile.
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

  let created = true;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        ...keySchema(tableLayout),
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') throw tableError('creating', tableName, error);
    created = false;
  }
  await waitUntilActive(client, tableName, tableLayout);

  let ttl: CreateLockTableResult['ttl'] = 'enabled';
  try {
    await client.send(
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
      throw tableError('enabling TTL on', tableName, error);
    }
  }
  return { tableName, tableLayout, created, ttl };
}

/** Every failure of a table request as a DynamoDlmError, the SDK error kept as `cause`. */
function tableError(doing: string, tableName: string, error: unknown): DynamoDlmError {
  if (error instanceof DynamoDlmError) return error;
  if (classify(error) === 'missing-table') return new TableNotFoundError(tableName, { cause: error });
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new DynamoDbError(`${doing} table \`${tableName}\` failed: ${detail}`, { cause: error });
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

async function waitUntilActive(client: DynamoDBClient, tableName: string, layout: TableLayout): Promise<void> {
  for (let i = 0; ; i++) {
    let table: TableDescription | undefined;
    try {
      table = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
    } catch (error) {
      throw tableError('describing', tableName, error);
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
