import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { defaults } from './defaults.js';
import { DynamoDbError, DynamoDlmError, InvalidArgumentError } from './errors.js';
import { checkInteger, checkKeys, checkObject, checkTableName } from './options/validate.js';
import { loadDynalite } from './runtime/load-dynalite.js';
import { createLockTable } from './table.js';

/** Options of {@link startLocalDynamo}. */
export interface StartLocalDynamoOptions {
  /**
   * Lock table to create; `false` to create none.
   * @default defaults.tableName ('dynamo_dlm_locks'), so that a lock built with no `tableName` finds it
   */
  readonly tableName?: string | false;
  /**
   * Port on 127.0.0.1; 0 picks a free one.
   * @default 0
   */
  readonly port?: number;
  /**
   * Directory for an on-disk store; in memory when absent.
   * @default in memory
   */
  readonly path?: string;
}

/** A running embedded DynamoDB. */
export interface LocalDynamo {
  /** `http://127.0.0.1:PORT`: give it to the SDK as `endpoint`, or as `AWS_ENDPOINT_URL_DYNAMODB`. */
  readonly endpoint: string;
  /** A client pointed at it, with dummy credentials. */
  readonly client: DynamoDBClient;
  /** Stops the server and destroys the client. */
  stop(): Promise<void>;
}

const KEYS = new Set(['tableName', 'port', 'path']);

/**
 * Starts an embedded DynamoDB (dynalite) on a free loopback port, with the lock table created,
 * for your own tests. Needs `dynalite` installed (an optional peer dependency); importing the
 * main `dynamo-dlm` entry never loads it.
 *
 * @throws {@link InvalidArgumentError} for bad options; {@link DynamoDbError} when dynalite is
 * missing or the server cannot start (the port is taken, the path unusable); the errors of
 * `createLockTable` when the table cannot be made.
 *
 * @example
 * import { startLocalDynamo } from 'dynamo-dlm/testing';
 * const local = await startLocalDynamo();
 * const lock = new DynamoDbLock('job', { client: local.client });
 * // ...
 * await local.stop();
 */
export async function startLocalDynamo(options?: StartLocalDynamoOptions): Promise<LocalDynamo> {
  const o = options === undefined ? {} : checkObject(options, 'startLocalDynamo options');
  checkKeys(o, KEYS, 'startLocalDynamo options');
  const tableName =
    o.tableName === undefined ? defaults.tableName : o.tableName === false ? false : checkTableName(o.tableName);
  const port = o.port === undefined ? 0 : checkInteger(o.port, 'port', 0, 65_535);
  if (o.path !== undefined && (typeof o.path !== 'string' || o.path === '')) {
    throw new InvalidArgumentError(`Expected \`path\` to be a non-empty directory path, got ${String(o.path)}`);
  }
  const dynalite = await loadDynalite(
    (cause) =>
      new DynamoDbError('dynamo-dlm/testing needs the `dynalite` package: npm install --save-dev dynalite', { cause }),
  );
  let server: ReturnType<typeof dynalite>;
  try {
    server = dynalite({
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
      ...(typeof o.path === 'string' ? { path: o.path } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  } catch (error) {
    throw new DynamoDbError(`the local DynamoDB could not start on port ${port}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  let stopped: Promise<void> | undefined;
  // Idempotent: a test's afterAll and a failed start may both stop it.
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    })();
    return stopped;
  };
  try {
    if (tableName !== false) await createLockTable({ client, tableName });
  } catch (error) {
    await stop();
    throw error instanceof DynamoDlmError
      ? error
      : new DynamoDbError(`creating the lock table failed: ${(error as Error).message}`, { cause: error });
  }
  return { endpoint, client, stop };
}
