import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { defaultClient } from './client.js';
import { defaults } from './defaults.js';
import { DynamoDbError, InvalidArgumentError } from './errors.js';
import { ATTR } from './item.js';
import { checkClient, checkKeys, checkObject, checkTableName } from './validate.js';

/** Options of {@link createLockTable}. */
export interface CreateLockTableOptions {
  /** @default a shared client from the default AWS configuration */
  readonly client?: DynamoDBClient;
  /** @default defaults.tableName ('dynamo_dlm_locks') */
  readonly tableName?: string;
}

/** What {@link createLockTable} did. */
export interface CreateLockTableResult {
  /** The table's name. */
  readonly tableName: string;
  /** False when the table already existed (with the right key schema). */
  readonly created: boolean;
  /**
   * `enabled` when TTL is on for the `ttl` attribute (now or already); `unsupported` when the
   * server has no TTL API (dynalite): items then stay until overwritten.
   */
  readonly ttl: 'enabled' | 'unsupported';
}

const KEYS = new Set(['client', 'tableName']);

/**
 * Creates the lock table (on-demand capacity, partition key `resource_id` String, no sort key)
 * and enables TTL on its `ttl` attribute, so that DynamoDB deletes stale lock items. Safe to run
 * again: an existing table with the right schema is kept.
 *
 * Needs `dynamodb:CreateTable`, `dynamodb:DescribeTable`, `dynamodb:UpdateTimeToLive`.
 *
 * @throws {@link InvalidArgumentError} when an existing table has another key schema.
 *
 * @example
 * await createLockTable({ tableName: 'dynamo_dlm_locks' });
 */
export async function createLockTable(options?: CreateLockTableOptions): Promise<CreateLockTableResult> {
  const o = options === undefined ? {} : checkObject(options, 'createLockTable options');
  checkKeys(o, KEYS, 'createLockTable options');
  if (o.client !== undefined) checkClient(o.client);
  const tableName = o.tableName === undefined ? defaults.tableName : checkTableName(o.tableName);
  const client = (o.client as DynamoDBClient | undefined) ?? defaultClient();

  let created = true;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: ATTR.resourceId, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: ATTR.resourceId, KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') {
      throw new DynamoDbError(`creating table \`${tableName}\` failed: ${(error as Error).message}`, { cause: error });
    }
    created = false;
  }
  await waitUntilActive(client, tableName);

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
      throw new DynamoDbError(`enabling TTL on \`${tableName}\` failed: ${message}`, { cause: error });
    }
  }
  return { tableName, created, ttl };
}

async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<void> {
  for (let i = 0; ; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const keys = Table?.KeySchema ?? [];
    const hash = keys.find((k) => k.KeyType === 'HASH');
    const type = Table?.AttributeDefinitions?.find((d) => d.AttributeName === ATTR.resourceId)?.AttributeType;
    if (keys.length !== 1 || hash?.AttributeName !== ATTR.resourceId || type !== 'S') {
      throw new InvalidArgumentError(
        `Table \`${tableName}\` exists with another key schema; a lock table needs partition key \`resource_id\` (String) and no sort key`,
      );
    }
    if (Table?.TableStatus === 'ACTIVE') return;
    if (i > 600) throw new DynamoDbError(`table \`${tableName}\` did not become ACTIVE`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** i)));
  }
}
