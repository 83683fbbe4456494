import { CreateTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  AbortedError,
  AlreadyAcquiredError,
  type ContendedEvent,
  createLockTable,
  DynamoDbError,
  DynamoDbLock,
  DynamoDlmError,
  defaults,
  InvalidArgumentError,
  LockNotAcquiredError,
  resetDefaults,
  TableNotFoundError,
  withLock,
} from '../../src/index.js';
import { startLocalDynamo } from '../../src/testing.js';
import { backends, clientFor, dynalite, freshTable, readItem } from '../support/backends.js';
import { FaultInjector } from '../support/faults.js';

/**
 * Every public entry point with bad values: each gets a typed error (a DynamoDlmError with a
 * stable code), sends no request it should not (counted at the client), and leaves nothing held.
 */

type ErrorClass = abstract new (...args: never[]) => DynamoDlmError;

const faults = new FaultInjector();
const client = clientFor(dynalite(), { requestHandler: faults.handler });
let tableName: string;
beforeAll(async () => {
  tableName = await freshTable(client, 'badinput');
});
afterEach(() => resetDefaults());
afterAll(() => client.destroy());

const ok = () => ({ client, tableName, logger: false as const });
const big = 'x'.repeat(2049);
/** Longer than a Node timer holds (2^31-1 ms, about 24.8 days): setTimeout would fire at once. */
const days30 = 30 * 86_400;

/** Calls that must throw synchronously: [what, call]. */
const constructorCases: [string, () => unknown][] = [
  ['resourceId undefined', () => new DynamoDbLock(undefined as never, ok())],
  ['resourceId null', () => new DynamoDbLock(null as never, ok())],
  ['resourceId a number', () => new DynamoDbLock(42 as never, ok())],
  ['resourceId empty', () => new DynamoDbLock('', ok())],
  ['resourceId an object', () => new DynamoDbLock({} as never, ok())],
  ['resourceId 2049 bytes', () => new DynamoDbLock(big, ok())],
  ['resourceId 683 three-byte characters', () => new DynamoDbLock('€'.repeat(683), ok())],
  ['resourceId with a lone surrogate', () => new DynamoDbLock('job-\uD800', ok())],
  ['options a string', () => new DynamoDbLock('r', 'fast' as never)],
  ['options an array', () => new DynamoDbLock('r', [] as never)],
  ['options null', () => new DynamoDbLock('r', null as never)],
  ['an unknown option', () => new DynamoDbLock('r', { ...ok(), durration: 5 } as never)],
  ['duration 0', () => new DynamoDbLock('r', { ...ok(), duration: 0 })],
  ['duration negative', () => new DynamoDbLock('r', { ...ok(), duration: -1 })],
  ['duration NaN', () => new DynamoDbLock('r', { ...ok(), duration: Number.NaN })],
  ['duration Infinity', () => new DynamoDbLock('r', { ...ok(), duration: Number.POSITIVE_INFINITY })],
  ['duration a string', () => new DynamoDbLock('r', { ...ok(), duration: '10' as never })],
  ['duration in milliseconds by mistake', () => new DynamoDbLock('r', { ...ok(), duration: 60_000_000 })],
  ['duration longer than a timer holds', () => new DynamoDbLock('r', { ...ok(), duration: days30 })],
  [
    'clockSkewAllowance longer than a timer holds',
    () => new DynamoDbLock('r', { ...ok(), clockSkewAllowance: days30, retention: 2 * days30 }),
  ],
  [
    'renewInterval longer than a timer holds',
    () => new DynamoDbLock('r', { ...ok(), duration: 2_147_483, renewInterval: days30 }),
  ],
  ['tableName too short', () => new DynamoDbLock('r', { ...ok(), tableName: 'ab' })],
  ['tableName with spaces', () => new DynamoDbLock('r', { ...ok(), tableName: 'my table' })],
  ['tableName a number', () => new DynamoDbLock('r', { ...ok(), tableName: 42 as never })],
  ['client without send', () => new DynamoDbLock('r', { ...ok(), client: {} as never })],
  ['client a string', () => new DynamoDbLock('r', { ...ok(), client: 'dynamodb' as never })],
  ['logger missing methods', () => new DynamoDbLock('r', { ...ok(), logger: { warn() {} } as never })],
  ['logger true', () => new DynamoDbLock('r', { ...ok(), logger: true as never })],
  ['autoRenew a string', () => new DynamoDbLock('r', { ...ok(), autoRenew: 'yes' as never })],
  ['clockSkewAllowance negative', () => new DynamoDbLock('r', { ...ok(), clockSkewAllowance: -1 })],
  ['safetyMargin not below duration', () => new DynamoDbLock('r', { ...ok(), duration: 5, safetyMargin: 5 })],
  ['renewInterval past the margin', () => new DynamoDbLock('r', { ...ok(), duration: 5, renewInterval: 4.5 })],
  ['retention 0', () => new DynamoDbLock('r', { ...ok(), retention: 0 })],
  ['retention below skew allowance plus margin', () => new DynamoDbLock('r', { ...ok(), retention: 1 })],
  [
    'retention below an explicit skew allowance',
    () => new DynamoDbLock('r', { ...ok(), clockSkewAllowance: 30, safetyMargin: 0, retention: 20 }),
  ],
  ['hooks a string', () => new DynamoDbLock('r', { ...ok(), hooks: 'log' as never })],
  ['a hook not a function', () => new DynamoDbLock('r', { ...ok(), hooks: { acquired: 'x' as never } })],
  ['an unknown hook', () => new DynamoDbLock('r', { ...ok(), hooks: { onAcquire() {} } as never })],
  ...([0, -1, 1.5, Number.NaN, '2', 1001, Number.POSITIVE_INFINITY, null] as const).map(
    (bad): [string, () => unknown] => [
      `concurrency ${typeof bad === 'string' ? `'${bad}'` : String(bad)}`,
      () => new DynamoDbLock('r', { ...ok(), tableLayout: 'slots', concurrency: bad as never }),
    ],
  ),
  // A 'single' table (Python 1.x) has one item per resource: nowhere for a second holder.
  ["concurrency 2 on a 'single' table", () => new DynamoDbLock('r', { ...ok(), concurrency: 2 })],
  ['tableLayout unknown', () => new DynamoDbLock('r', { ...ok(), tableLayout: 'sorted' as never })],
  ['tableLayout a number', () => new DynamoDbLock('r', { ...ok(), tableLayout: 2 as never })],
];

describe('the constructor', () => {
  test.each(constructorCases)('%s: InvalidArgumentError, no request', (_what, call) => {
    const before = faults.count();
    expect(call).toThrow(InvalidArgumentError);
    expect(faults.count()).toBe(before);
  });
});

/** Async calls that must reject: [what, call, error class, requests allowed]. */
const callCases: [string, () => Promise<unknown>, ErrorClass][] = [
  ['acquire(options a string)', () => new DynamoDbLock('a1', ok()).acquire('now' as never), InvalidArgumentError],
  ['acquire(unknown key)', () => new DynamoDbLock('a2', ok()).acquire({ wait: true } as never), InvalidArgumentError],
  [
    'acquire(blocking a string)',
    () => new DynamoDbLock('a3', ok()).acquire({ blocking: 'no' as never }),
    InvalidArgumentError,
  ],
  ['acquire(timeout 0)', () => new DynamoDbLock('a4', ok()).acquire({ timeout: 0 }), InvalidArgumentError],
  ['acquire(timeout negative)', () => new DynamoDbLock('a5', ok()).acquire({ timeout: -1 }), InvalidArgumentError],
  ['acquire(timeout NaN)', () => new DynamoDbLock('a6', ok()).acquire({ timeout: Number.NaN }), InvalidArgumentError],
  [
    'acquire(timeout longer than a timer holds)',
    () => new DynamoDbLock('a10', ok()).acquire({ timeout: days30 }),
    InvalidArgumentError,
  ],
  [
    'acquire(signal not a signal)',
    () => new DynamoDbLock('a7', ok()).acquire({ signal: {} as never }),
    InvalidArgumentError,
  ],
  [
    'acquire(autoRenew a number)',
    () => new DynamoDbLock('a8', ok()).acquire({ autoRenew: 1 as never }),
    InvalidArgumentError,
  ],
  [
    'acquire(an aborted signal)',
    () => new DynamoDbLock('a9', ok()).acquire({ signal: AbortSignal.abort() }),
    AbortedError,
  ],
  ['extend() when not held', () => new DynamoDbLock('e1', ok()).extend(), LockNotAcquiredError],
  ['extend(bad) when not held', () => new DynamoDbLock('e2', ok()).extend(-5), InvalidArgumentError],
  ['release() when not held', () => new DynamoDbLock('e3', ok()).release(), LockNotAcquiredError],
  ['withLock(work not a function)', () => withLock('w1', 'job' as never, ok()), InvalidArgumentError],
  ['withLock(empty id)', () => withLock('', async () => 1, ok()), InvalidArgumentError],
  ['withLock(options a string)', () => withLock('w2', async () => 1, 'x' as never), InvalidArgumentError],
  [
    'withLock(unknown option)',
    () => withLock('w3', async () => 1, { ...ok(), retries: 3 } as never),
    InvalidArgumentError,
  ],
  ['withLock(timeout negative)', () => withLock('w4', async () => 1, { ...ok(), timeout: -1 }), InvalidArgumentError],
  ['withLock(duration 0)', () => withLock('w5', async () => 1, { ...ok(), duration: 0 }), InvalidArgumentError],
  [
    'withLock(timeout longer than a timer holds)',
    () => withLock('w6', async () => 1, { ...ok(), timeout: days30 }),
    InvalidArgumentError,
  ],
  ['withLock(id with a lone surrogate)', () => withLock('\uDC00w7', async () => 1, ok()), InvalidArgumentError],
  [
    'withLock(concurrency 0)',
    () => withLock('w8', async () => 1, { ...ok(), tableLayout: 'slots', concurrency: 0 }),
    InvalidArgumentError,
  ],
  [
    "withLock(concurrency 3 on a 'single' table)",
    () => withLock('w9', async () => 1, { ...ok(), concurrency: 3 }),
    InvalidArgumentError,
  ],
  [
    'createLockTable(bad tableLayout)',
    () => createLockTable({ client, tableLayout: 'slot' as never }),
    InvalidArgumentError,
  ],
  ['createLockTable(a string)', () => createLockTable('locks' as never), InvalidArgumentError],
  ['createLockTable(bad tableName)', () => createLockTable({ client, tableName: 'a' }), InvalidArgumentError],
  ['createLockTable(bad client)', () => createLockTable({ client: {} as never }), InvalidArgumentError],
  ['createLockTable(unknown key)', () => createLockTable({ client, table: 'x' } as never), InvalidArgumentError],
  ['startLocalDynamo(a string)', () => startLocalDynamo('x' as never), InvalidArgumentError],
  ['startLocalDynamo(port -1)', () => startLocalDynamo({ port: -1 }), InvalidArgumentError],
  ['startLocalDynamo(port null)', () => startLocalDynamo({ port: null as never }), InvalidArgumentError],
  ['startLocalDynamo(port 1.5)', () => startLocalDynamo({ port: 1.5 }), InvalidArgumentError],
  ['startLocalDynamo(port a string)', () => startLocalDynamo({ port: '8000' as never }), InvalidArgumentError],
  ['startLocalDynamo(path a number)', () => startLocalDynamo({ path: 42 as never }), InvalidArgumentError],
  ['startLocalDynamo(bad tableName)', () => startLocalDynamo({ tableName: 'a' }), InvalidArgumentError],
  ['startLocalDynamo(unknown key)', () => startLocalDynamo({ host: '0.0.0.0' } as never), InvalidArgumentError],
];

describe('calls', () => {
  test.each(callCases)('%s: typed error, no request', async (_what, call, errorClass) => {
    const before = faults.count();
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(errorClass);
    expect(error).toBeInstanceOf(DynamoDlmError);
    expect(faults.count()).toBe(before);
  });

  test('withLock with bad options never runs the work', async () => {
    let ran = 0;
    const work = async () => ran++;
    for (const options of [
      { ...ok(), timeout: -1 },
      { ...ok(), duration: 'x' },
      { ...ok(), bogus: 1 },
    ]) {
      await expect(withLock('never', work, options as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    expect(ran).toBe(0);
  });

  test('bad values on a held lock: typed errors, no extra request, the lease intact', async () => {
    const lock = new DynamoDbLock('held', { ...ok(), duration: 5 });
    await lock.acquire();
    const before = faults.count();
    for (const bad of [0, -1, Number.NaN, '5', 1e12, days30]) {
      await expect(lock.extend(bad as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    await expect(lock.acquire()).rejects.toBeInstanceOf(AlreadyAcquiredError);
    expect(faults.count()).toBe(before);
    expect(lock.locked()).toBe(true);
    await lock.release();
    expect(lock.locked()).toBe(false);
  });
});

describe('defaults', () => {
  const assignments: [string, () => void][] = [
    ['duration 0', () => Object.assign(defaults, { duration: 0 })],
    ['duration negative', () => Object.assign(defaults, { duration: -3 })],
    ['duration a string', () => Object.assign(defaults, { duration: '10' })],
    ['duration NaN', () => Object.assign(defaults, { duration: Number.NaN })],
    ['tableName too short', () => Object.assign(defaults, { tableName: 'ab' })],
    ['tableName a number', () => Object.assign(defaults, { tableName: 7 })],
    ['an unknown default', () => Object.assign(defaults, { timeout: 5 })],
    ['concurrency 0', () => Object.assign(defaults, { concurrency: 0 })],
    ['concurrency 1.5', () => Object.assign(defaults, { concurrency: 1.5 })],
    ["concurrency '2'", () => Object.assign(defaults, { concurrency: '2' })],
    ['tableLayout unknown', () => Object.assign(defaults, { tableLayout: 'sorted' })],
    ['duration longer than a timer holds', () => Object.assign(defaults, { duration: days30 })],
    ['an inherited name (toString)', () => Object.assign(defaults, { toString: 5 })],
    ['__proto__', () => Reflect.set(defaults, '__proto__', 5)],
    ['freezing', () => Object.freeze(defaults)],
    ['deleting a default', () => delete (defaults as { duration?: number }).duration],
    ['defining a property', () => Object.defineProperty(defaults, 'duration', { value: 1 })],
  ];
  test.each(assignments)('%s: InvalidArgumentError, defaults unchanged', (_what, assign) => {
    expect(assign).toThrow(InvalidArgumentError);
    expect(defaults.duration).toBe(10);
    expect(defaults.tableName).toBe('dynamo_dlm_locks');
    expect(defaults.concurrency).toBe(1);
    expect(defaults.tableLayout).toBe('single');
    expect(new DynamoDbLock('d', { client }).duration).toBe(10);
  });

  test("defaults.concurrency above 1 with the 'single' layout: each assignment is fine, the lock built from both is refused", () => {
    defaults.concurrency = 3;
    expect(() => new DynamoDbLock('d', { client })).toThrow(/tableLayout.*'slots'/);
    defaults.tableLayout = 'slots';
    const lock = new DynamoDbLock('d', { client });
    expect([lock.concurrency, lock.tableLayout]).toEqual([3, 'slots']);
  });
});

describe.each(backends())('bad tables and items on $name', (backend) => {
  const recorder = new FaultInjector();
  const c = clientFor(backend, { requestHandler: recorder.handler });
  let table: string;
  beforeAll(async () => {
    table = await freshTable(c, 'badtables');
  });
  afterAll(() => c.destroy());
  const updates = () => recorder.count('UpdateItem');

  test('a missing table: TableNotFoundError after one write attempt, work never runs', async () => {
    const before = updates();
    const lock = new DynamoDbLock('r', { client: c, tableName: 'no_such_table', logger: false });
    await expect(lock.acquire()).rejects.toBeInstanceOf(TableNotFoundError);
    expect(lock.locked()).toBe(false);
    let ran = 0;
    await expect(
      withLock('r', async () => ran++, { client: c, tableName: 'no_such_table', logger: false }),
    ).rejects.toMatchObject({ code: 'TABLE_NOT_FOUND', tableName: 'no_such_table' });
    expect(ran).toBe(0);
    expect(updates() - before).toBe(2);
  });

  test.each([
    ['another partition key', [{ AttributeName: 'id', KeyType: 'HASH' as const }], [{ AttributeName: 'id' }]],
    [
      'a sort key as well',
      [
        { AttributeName: 'resource_id', KeyType: 'HASH' as const },
        { AttributeName: 'owner', KeyType: 'RANGE' as const },
      ],
      [{ AttributeName: 'resource_id' }, { AttributeName: 'owner' }],
    ],
    [
      'a numeric partition key',
      [{ AttributeName: 'resource_id', KeyType: 'HASH' as const }],
      [{ AttributeName: 'resource_id', AttributeType: 'N' as const }],
    ],
  ])(
    'a table with %s: typed errors (after a request: not InvalidArgument), one refused write, nothing held',
    async (_what, keySchema, attributes) => {
      const name = `schema_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
      await c.send(
        new CreateTableCommand({
          TableName: name,
          KeySchema: keySchema,
          AttributeDefinitions: attributes.map((a) => ({ AttributeType: 'S' as const, ...a })),
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      await expect(createLockTable({ client: c, tableName: name })).rejects.toBeInstanceOf(DynamoDbError);
      const before = updates();
      const lock = new DynamoDbLock('r', { client: c, tableName: name, logger: false });
      const error = await lock.acquire().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DynamoDbError);
      expect((error as Error).message).toMatch(/resource_id/);
      expect(updates() - before).toBe(1); // a schema error is not retried
      expect(lock.locked()).toBe(false);
    },
  );

  test("a 'slots' lock on a 'single' (1.x) table: a DynamoDbError naming the fix, after one refused write, nothing held", async () => {
    const before = updates();
    const lock = new DynamoDbLock('r', {
      client: c,
      tableName: table,
      logger: false,
      tableLayout: 'slots',
      concurrency: 2,
    });
    const error = await lock.acquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamoDbError);
    expect((error as Error).message).toMatch(/has no sort key `concurrency_id`.*tableLayout 'slots'/);
    expect((error as Error).message).toMatch(/create-table --table-layout slots/);
    expect(updates() - before).toBe(1);
    expect(lock.locked()).toBe(false);
  });

  test("a 'single' lock on a 'slots' (2.x) table: a DynamoDbError saying to pass tableLayout 'slots'", async () => {
    const slots = `slots_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    await createLockTable({ client: c, tableName: slots, tableLayout: 'slots' });
    const before = updates();
    const error = await new DynamoDbLock('r', { client: c, tableName: slots, logger: false })
      .acquire()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamoDbError);
    expect((error as Error).message).toMatch(/'slots' \(Python 2.x\) table: pass tableLayout: 'slots'/);
    expect(updates() - before).toBe(1);
  });

  const item = (resourceId: string) => readItem(c, table, resourceId);

  test('an item whose expiry is not a number: never a silent hang, item untouched', async () => {
    const bad = { resource_id: { S: 'malformed' }, release_code: { S: 'someone' }, expires: { S: 'soon' } };
    await c.send(new PutItemCommand({ TableName: table, Item: bad }));
    const events: ContendedEvent[] = [];
    const lock = new DynamoDbLock('malformed', {
      client: c,
      tableName: table,
      logger: false,
      hooks: { contended: (e) => events.push(e) },
    });
    const before = updates();
    if (backend.returnsHolder) {
      // The server showed us the item: a typed error at once, for blocking and non-blocking alike.
      await expect(lock.acquire()).rejects.toThrow(/malformed.*expires/);
      await expect(lock.acquire({ blocking: false })).rejects.toBeInstanceOf(DynamoDbError);
      expect(updates() - before).toBe(2);
      expect(events).toEqual([]);
    } else {
      // dynalite hides the item on a failed condition: the lock cannot tell it from a holder,
      // so it waits as for one, bounded by the timeout, reporting every refusal.
      expect(await lock.acquire({ timeout: 0.3 })).toBe(false);
      expect(events.length).toBeGreaterThan(0);
      expect(events.every((e) => e.holderExpiresAt === undefined)).toBe(true);
      expect(await lock.acquire({ blocking: false })).toBe(false);
    }
    expect(lock.locked()).toBe(false);
    expect(await item('malformed')).toEqual(bad);
  });

  test('an item whose fencing token is not a number: a typed error, item untouched', async () => {
    const bad = {
      resource_id: { S: 'bad-token' },
      release_code: { S: 'someone' },
      expires: { N: '0' },
      fencing_token: { S: 'seven' },
    };
    await c.send(new PutItemCommand({ TableName: table, Item: bad }));
    const lock = new DynamoDbLock('bad-token', { client: c, tableName: table, logger: false });
    const before = updates();
    await expect(lock.acquire()).rejects.toBeInstanceOf(DynamoDbError);
    expect(updates() - before).toBe(1);
    expect(lock.locked()).toBe(false);
    expect(await item('bad-token')).toEqual(bad);
  });
});
