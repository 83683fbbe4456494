/** readLock: one strongly consistent GetItem, validated first, described as a plain object. */
import { type DynamoDBClient, GetItemCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, test } from 'vitest';
import { defaults, resetDefaults } from '../../src/defaults.js';
import {
  AbortedError,
  DynamoDbError,
  InvalidArgumentError,
  MisconfiguredError,
  TableNotFoundError,
  UnreachableError,
} from '../../src/errors.js';
import { describeLock, type ReadLockOptions, readLock } from '../../src/read-lock.js';
import { withClock } from '../../src/runtime/test-seam.js';
import { FakeClock } from '../support/fake-clock.js';

const NOW = 1_700_000_000_000;

/** A client that answers GetItem with `item` (or `answer()`), recording every command sent. */
function reader(answer: () => Promise<unknown>) {
  const sent: { command: unknown; signal: AbortSignal | undefined }[] = [];
  const client = {
    send(command: unknown, options?: { abortSignal?: AbortSignal }) {
      sent.push({ command, signal: options?.abortSignal });
      return answer();
    },
  } as unknown as DynamoDBClient;
  return { client, sent };
}

const held = {
  resource_id: { S: 'job' },
  release_code: { S: 'a'.repeat(32) },
  expires: { N: String(Math.ceil((NOW + 5_000) / 1000)) },
  expires_ms: { N: String(NOW + 5_000) },
  fencing_token: { N: '1700000000000001' },
  ttl: { N: '1700086405' },
  owner: { S: 'worker-7' },
  data: { S: '{"step":2}' },
};

afterEach(() => resetDefaults());

describe('describeLock', () => {
  test('free: no item', () => {
    expect(describeLock('job', undefined, NOW)).toEqual({
      resourceId: 'job',
      state: 'free',
      held: false,
      expired: false,
      owner: undefined,
      data: undefined,
      expiresAt: undefined,
      fencingToken: undefined,
    });
  });

  test('held: owner, data, lease end as a Date, token; expired once the end has passed by the reader’s clock', () => {
    expect(describeLock('job', held, NOW)).toEqual({
      resourceId: 'job',
      state: 'held',
      held: true,
      expired: false,
      owner: 'worker-7',
      data: '{"step":2}',
      expiresAt: new Date(NOW + 5_000),
      fencingToken: 1_700_000_000_000_001,
    });
    expect(describeLock('job', held, NOW + 5_000)).toMatchObject({ state: 'held', held: false, expired: true });
  });

  test('released: a marker keeps the last owner and token, and has no lease end', () => {
    const marker = { ...held, expires: { N: '0' }, expires_ms: { N: '0' } };
    expect(describeLock('job', marker, NOW)).toMatchObject({
      state: 'released',
      held: false,
      expired: false,
      owner: 'worker-7',
      expiresAt: undefined,
      fencingToken: 1_700_000_000_000_001,
    });
  });

  test('a Python 1.x lease: whole seconds, no owner, no token', () => {
    const py = { resource_id: { S: 'job' }, release_code: { S: 'p'.repeat(32) }, expires: { N: '1700000003' } };
    expect(describeLock('job', py, NOW)).toMatchObject({
      state: 'held',
      held: true,
      owner: undefined,
      expiresAt: new Date(1_700_000_003_000),
      fencingToken: undefined,
    });
  });
});

describe('readLock', () => {
  test('sends one strongly consistent GetItem of the key, on the default table unless told', async () => {
    const { client, sent } = reader(async () => ({ Item: held }));
    defaults.tableName = 'my_locks';
    const info = await readLock('job', withClock({ client }, new FakeClock(NOW)));
    expect(info).toMatchObject({ state: 'held', owner: 'worker-7', held: true });
    expect(sent).toHaveLength(1);
    const command = sent[0]!.command as GetItemCommand;
    expect(command).toBeInstanceOf(GetItemCommand);
    expect(command.input).toEqual({ TableName: 'my_locks', Key: { resource_id: { S: 'job' } }, ConsistentRead: true });
    await readLock('job', { client, tableName: 'other' });
    expect((sent[1]!.command as GetItemCommand).input.TableName).toBe('other');
    // On a 'slots' table, one slot's item: its key carries the sort key.
    await readLock('job', { client, tableLayout: 'slots', slot: 3 });
    expect((sent[2]!.command as GetItemCommand).input.Key).toEqual({
      resource_id: { S: 'job' },
      concurrency_id: { N: '3' },
    });
  });

  test.each<[string, () => Promise<unknown>]>([
    ['no id', () => readLock(undefined as never, {})],
    ['an empty id', () => readLock('', {})],
    ['an id with a lone surrogate', () => readLock('x\uD800', {})],
    ['an id over 2048 bytes', () => readLock('x'.repeat(2049), {})],
    ['options a string', () => readLock('job', 'locks' as never)],
    ['an unknown option', () => readLock('job', { table: 'locks' } as never)],
    ['a bad table name', () => readLock('job', { tableName: 'a b' })],
    ['a client without send', () => readLock('job', { client: {} as never })],
    ['a signal that is no AbortSignal', () => readLock('job', { signal: 'stop' as never })],
    ['an unknown layout', () => readLock('job', { tableLayout: 'sorted' as never })],
    ['a slot on a single table', () => readLock('job', { slot: 1 })],
    ['a negative slot', () => readLock('job', { tableLayout: 'slots', slot: -1 })],
    ['a slot of 1000', () => readLock('job', { tableLayout: 'slots', slot: 1000 })],
    ['a fractional slot', () => readLock('job', { tableLayout: 'slots', slot: 0.5 })],
  ])('%s: InvalidArgumentError before any request', async (_what, call) => {
    // Every call above fails validation before it would reach for a client.
    await expect(call()).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  test('sends nothing when validation fails, even with a working client', async () => {
    const { client, sent } = reader(async () => ({}));
    await expect(readLock('job', { client, tableName: 'x' })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(readLock('job', { client, nope: 1 } as ReadLockOptions)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(sent).toHaveLength(0);
  });

  test('a missing table is TableNotFoundError; a malformed item is DynamoDbError', async () => {
    const missing = reader(async () => {
      throw new ResourceNotFoundException({ $metadata: {}, message: 'no table' });
    });
    await expect(readLock('job', { client: missing.client })).rejects.toBeInstanceOf(TableNotFoundError);
    const broken = reader(async () => ({ Item: { resource_id: { S: 'job' }, expires_ms: { S: 'soon' } } }));
    await expect(readLock('job', { client: broken.client })).rejects.toThrow(/malformed .*`expires_ms` is of type S/);
  });

  test('an already aborted signal sends nothing; an answer that never comes is cut off after 5 s', async () => {
    const { client, sent } = reader(() => new Promise(() => undefined));
    await expect(readLock('job', { client, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortedError);
    expect(sent).toHaveLength(0);
    const hung = reader(
      () =>
        new Promise((_resolve, reject) => {
          hung.sent[0]?.signal?.addEventListener('abort', () =>
            reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
          );
        }),
    );
    const clock = new FakeClock(NOW);
    const read = readLock('job', withClock({ client: hung.client }, clock));
    const settled = read.catch((error: unknown) => error);
    await clock.advance(4_999);
    expect(hung.sent[0]!.signal!.aborted).toBe(false);
    await clock.advance(1);
    const error = await settled;
    // Unreachable, not a failure DynamoDB returned: a caller (and `dynamo-dlm status`) can tell them apart.
    expect(error).toBeInstanceOf(UnreachableError);
    expect(error).not.toBeInstanceOf(DynamoDbError);
    expect((error as Error).message).toMatch(/^GetItem of `job` got no answer from DynamoDB within 5 s: AbortError/);
    expect(((error as Error).cause as Error).name).toBe('AbortError');
    expect(clock.pendingTimers).toBe(0);
  });

  test('a refused connection is UnreachableError, an unknown host MisconfiguredError; both keep the SDK error', async () => {
    const failing = (code: string) =>
      reader(async () => {
        throw Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code });
      }).client;
    const refused = await readLock('job', { client: failing('ECONNREFUSED') }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UnreachableError);
    expect((refused as Error).message).toMatch(
      /^GetItem of `job` got no answer from DynamoDB: Error: connect ECONNREFUSED/,
    );
    expect(((refused as Error).cause as { code?: string }).code).toBe('ECONNREFUSED');
    const unknown = await readLock('job', { client: failing('ENOTFOUND') }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(MisconfiguredError);
    expect(((unknown as Error).cause as { code?: string }).code).toBe('ENOTFOUND');
  });
});
