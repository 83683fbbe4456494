import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  type TableDescription,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, test } from 'vitest';
import {
  DynamoDbError,
  DynamoDlmError,
  MisconfiguredError,
  TableNotFoundError,
  UnreachableError,
} from '../../src/errors.js';
import { withClock } from '../../src/runtime/test-seam.js';
import { createLockTable, TABLE_REQUEST_TIMEOUT_MS } from '../../src/table.js';
import { FakeClock } from '../support/fake-clock.js';

const meta = { $metadata: { httpStatusCode: 400 }, message: 'fake' };

const LOCK_TABLE: TableDescription = {
  TableStatus: 'ACTIVE',
  KeySchema: [{ AttributeName: 'resource_id', KeyType: 'HASH' }],
  AttributeDefinitions: [{ AttributeName: 'resource_id', AttributeType: 'S' }],
};

/** A client whose table already exists and is described as `table` (or fails with `describe`). */
function fakeClient(table: TableDescription, fail: { create?: Error; describe?: Error } = {}) {
  const sent: string[] = [];
  const client = {
    async send(command: unknown) {
      if (command instanceof CreateTableCommand) {
        sent.push('CreateTable');
        throw fail.create ?? new ResourceInUseException(meta);
      }
      if (command instanceof DescribeTableCommand) {
        sent.push('DescribeTable');
        if (fail.describe) throw fail.describe;
        return { Table: table };
      }
      if (command instanceof UpdateTimeToLiveCommand) {
        sent.push('UpdateTimeToLive');
        return {};
      }
      throw new Error('unexpected command');
    },
  } as unknown as DynamoDBClient;
  return { client, sent };
}

const replica = (RegionName: string) => ({ RegionName, ReplicaStatus: 'ACTIVE' as const });

describe('createLockTable on an existing table', () => {
  test('a single-region lock table is kept and TTL enabled', async () => {
    const { client, sent } = fakeClient(LOCK_TABLE);
    expect(await createLockTable({ client, tableName: 'locks' })).toEqual({
      tableName: 'locks',
      tableLayout: 'single',
      created: false,
      ttl: 'enabled',
    });
    expect(sent).toEqual(['CreateTable', 'DescribeTable', 'UpdateTimeToLive']);
  });

  test.each([
    [
      'eventual consistency stated',
      { Replicas: [replica('us-east-1'), replica('eu-west-1')], MultiRegionConsistency: 'EVENTUAL' as const },
      /eventual multi-region consistency/,
    ],
    [
      'consistency left out (it defaults to eventual)',
      { Replicas: [replica('eu-west-1')] },
      /eventual multi-region consistency/,
    ],
    ['a 2017-version global table (replicas not listed)', { GlobalTableVersion: '2017.11.29' }, /global table/],
  ])('a global table with %s is refused before TTL is touched', async (_what, global, message) => {
    const { client, sent } = fakeClient({ ...LOCK_TABLE, ...global });
    const error = await createLockTable({ client, tableName: 'locks' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamoDbError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/two regions can both take one lock/);
    expect(sent).not.toContain('UpdateTimeToLive');
  });

  test('a global table with multi-region strong consistency is accepted', async () => {
    const { client } = fakeClient({
      ...LOCK_TABLE,
      GlobalTableVersion: '2019.11.21',
      Replicas: [replica('us-east-1'), replica('us-east-2')],
      MultiRegionConsistency: 'STRONG',
    });
    expect(await createLockTable({ client, tableName: 'locks' })).toMatchObject({ created: false });
  });

  test('another key schema: a DynamoDbError, not an InvalidArgumentError (a request was made)', async () => {
    const { client, sent } = fakeClient({ ...LOCK_TABLE, KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] });
    const error = await createLockTable({ client, tableName: 'locks' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamoDbError);
    expect((error as Error).message).toMatch(/another key schema/);
    expect(sent).toEqual(['CreateTable', 'DescribeTable']);
  });
});

const SLOTS_TABLE: TableDescription = {
  TableStatus: 'ACTIVE',
  KeySchema: [
    { AttributeName: 'resource_id', KeyType: 'HASH' },
    { AttributeName: 'concurrency_id', KeyType: 'RANGE' },
  ],
  AttributeDefinitions: [
    { AttributeName: 'resource_id', AttributeType: 'S' },
    { AttributeName: 'concurrency_id', AttributeType: 'N' },
  ],
};

describe("createLockTable with tableLayout 'slots' (Python dynamo-dlm 2.x)", () => {
  test('creates the table with sort key concurrency_id (Number)', async () => {
    const { client } = fakeClient(SLOTS_TABLE);
    let created: CreateTableCommand | undefined;
    const send = client.send.bind(client);
    (client as { send: unknown }).send = async (command: unknown) => {
      if (command instanceof CreateTableCommand) created = command;
      return send(command as never);
    };
    expect(await createLockTable({ client, tableName: 'jobs', tableLayout: 'slots' })).toMatchObject({
      tableName: 'jobs',
      tableLayout: 'slots',
      created: false,
    });
    expect(created?.input.KeySchema).toEqual(SLOTS_TABLE.KeySchema);
    expect(created?.input.AttributeDefinitions).toEqual(SLOTS_TABLE.AttributeDefinitions);
  });

  test.each([
    ['single', SLOTS_TABLE, /tableLayout 'slots'.*tableLayout 'single' needs .*no sort key/],
    ['slots', LOCK_TABLE, /tableLayout 'single'.*tableLayout 'slots' needs .*sort key `concurrency_id`/],
  ] as const)('asking for %s on a table of the other layout names both layouts', async (layout, table, message) => {
    const { client, sent } = fakeClient(table);
    const error = await createLockTable({ client, tableName: 'locks', tableLayout: layout }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamoDbError);
    expect((error as Error).message).toMatch(message);
    expect(sent).not.toContain('UpdateTimeToLive');
  });

  test('a sort key of another name or type is no lock table', async () => {
    const { client } = fakeClient({
      ...SLOTS_TABLE,
      AttributeDefinitions: [
        { AttributeName: 'resource_id', AttributeType: 'S' },
        { AttributeName: 'concurrency_id', AttributeType: 'S' },
      ],
    });
    const error = await createLockTable({ client, tableName: 'locks', tableLayout: 'slots' }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/another key schema/);
  });
});

describe('createLockTable failures are DynamoDlmErrors', () => {
  test.each(['DELETING', 'ARCHIVED', 'INACCESSIBLE_ENCRYPTION_CREDENTIALS'] as const)(
    'a table %s (never ACTIVE by waiting) fails at once, not after ten minutes of polling',
    async (status) => {
      const { client, sent } = fakeClient({ ...LOCK_TABLE, TableStatus: status });
      const error = await createLockTable({ client, tableName: 'locks' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DynamoDbError);
      expect((error as Error).message).toMatch(new RegExp(`${status}, not ACTIVE`));
      expect(sent).toEqual(['CreateTable', 'DescribeTable']);
    },
  );

  test.each([
    [
      'CreateTable refused',
      { create: Object.assign(new Error('denied'), { name: 'AccessDeniedException' }) },
      MisconfiguredError,
    ],
    [
      'DescribeTable refused',
      { describe: Object.assign(new Error('denied'), { name: 'AccessDeniedException' }) },
      MisconfiguredError,
    ],
    [
      'DescribeTable on a network failure',
      { describe: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) },
      UnreachableError,
    ],
    [
      'CreateTable to a host that does not resolve',
      { create: Object.assign(new Error('getaddrinfo ENOTFOUND x.invalid'), { code: 'ENOTFOUND' }) },
      MisconfiguredError,
    ],
    [
      'DescribeTable with a 500',
      {
        describe: Object.assign(new Error('boom'), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } }),
      },
      DynamoDbError,
    ],
    ['the table gone meanwhile', { describe: new ResourceNotFoundException(meta) }, TableNotFoundError],
  ])('%s', async (_what, fail, errorClass) => {
    const { client } = fakeClient(LOCK_TABLE, fail);
    const error = await createLockTable({ client, tableName: 'locks' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errorClass);
    expect(error).toBeInstanceOf(DynamoDlmError);
    expect((error as Error).cause).toBeDefined();
  });
});

describe('createLockTable against an endpoint that accepts and never answers', () => {
  /** A client whose every request hangs until aborted, as a silent endpoint's do. */
  function silentClient() {
    const sent: { command: string; signal: AbortSignal | undefined }[] = [];
    const client = {
      send(command: object, options?: { abortSignal?: AbortSignal }) {
        sent.push({ command: command.constructor.name, signal: options?.abortSignal });
        return new Promise((_resolve, reject) => {
          options?.abortSignal?.addEventListener('abort', () =>
            reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' })),
          );
        });
      },
    } as unknown as DynamoDBClient;
    return { client, sent };
  }

  test('each request is cut off after 5 s: an UnreachableError that names what got no answer', async () => {
    const clock = new FakeClock();
    const { client, sent } = silentClient();
    const settled = createLockTable(withClock({ client, tableName: 'locks' }, clock)).then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await clock.advance(TABLE_REQUEST_TIMEOUT_MS - 1);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.signal?.aborted).toBe(false);
    await clock.advance(1);
    const error = await settled;
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as Error).message).toMatch(/^CreateTable of table `locks` got no answer from DynamoDB within 5 s/);
    expect(((error as Error).cause as Error).name).toBe('AbortError');
    expect(clock.pendingTimers).toBe(0);
  });
});
