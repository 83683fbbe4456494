import {
  type AttributeValue,
  CreateTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { createLockTable } from '../../src/table.js';

/** One DynamoDB implementation the suites run against, and what it can do. */
export interface BackendInfo {
  readonly name: 'dynalite' | 'dynamodb-local' | 'moto';
  readonly endpoint: string;
  /** Returns the item on a failed condition (ReturnValuesOnConditionCheckFailure: ALL_OLD). */
  readonly returnsHolder: boolean;
  /** Has the TTL API. */
  readonly ttl: boolean;
  /** Counts key sizes in UTF-8 bytes, as DynamoDB does. */
  readonly byteKeys: boolean;
  /** Has `TransactWriteItems` (multi-locks, lock-checked writes). */
  readonly transactions: boolean;
}

/** The backends started by the global setup. */
export function backends(): BackendInfo[] {
  const started = inject('backends');
  if (started === undefined) {
    throw new Error(
      'No DynamoDB was started for this test file: the unit tier (test/unit/, test/types/) starts no server. ' +
        'A test that needs one belongs in another folder (see vitest.config.ts).',
    );
  }
  return started;
}

/** The backends with transactions (DynamoDB Local, moto), for the multi-lock and lock-checked writes. */
export function transactionBackends(): BackendInfo[] {
  return backends().filter((b) => b.transactions);
}

/** The first backend (dynalite), for tests that need only one. */
export function dynalite(): BackendInfo {
  const found = backends().find((b) => b.name === 'dynalite');
  if (found === undefined) throw new Error('dynalite was not started by the global setup');
  return found;
}

/** A client for a backend, one attempt per request so that tests see every failure. */
export function clientFor(backend: BackendInfo, config: Partial<DynamoDBClientConfig> = {}): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: backend.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    ...config,
  });
}

let counter = 0;

/** Creates a fresh lock table on the backend; table names are unique per process and call. */
export async function freshTable(
  client: DynamoDBClient,
  prefix = 'locks',
  tableLayout: 'single' | 'slots' = 'single',
): Promise<string> {
  const tableName = `${prefix}_${process.pid}_${++counter}_${Date.now().toString(36)}`;
  await createLockTable({ client, tableName, tableLayout });
  return tableName;
}

/** Creates a fresh table for protected data (not locks): partition key `id` (String). */
export async function freshDataTable(client: DynamoDBClient, prefix = 'data'): Promise<string> {
  const TableName = `${prefix}_${process.pid}_${++counter}_${Date.now().toString(36)}`;
  await client.send(
    new CreateTableCommand({
      TableName,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return TableName;
}

/** The lock item of `resourceId` on a 'single' table as the server holds it now (a consistent read). */
export async function readItem(
  client: DynamoDBClient,
  tableName: string,
  resourceId: string,
): Promise<Record<string, AttributeValue> | undefined> {
  const out = await client.send(
    new GetItemCommand({ TableName: tableName, Key: { resource_id: { S: resourceId } }, ConsistentRead: true }),
  );
  return out.Item;
}
