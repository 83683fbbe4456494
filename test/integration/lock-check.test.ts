/**
 * Lock-checked writes (`conditionCheck`, `transactWrite`) and fenced writes (`fencedWrite`) on a
 * real server: a write commits only while the lock is held; a paused holder that was replaced
 * writes nothing and learns that it lost the lock; the caller's own failed conditions pass
 * through untouched. dynalite has no transactions: a typed error says so.
 */
import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  DynamoDbLock,
  DynamoDbMultiLock,
  fencedWrite,
  InvalidArgumentError,
  LockLostError,
  LockNotAcquiredError,
  type LockOptions,
  TransactionsUnsupportedError,
} from '../../src/index.js';
import { withClock } from '../../src/runtime/test-seam.js';
import { clientFor, dynalite, freshDataTable, freshTable, transactionBackends } from '../support/backends.js';
import { FakeClock } from '../support/fake-clock.js';

const put = (table: string, id: string, body: string): TransactWriteItem => ({
  Put: { TableName: table, Item: { id: { S: id }, body: { S: body } } },
});

describe.each(transactionBackends())('lock-checked writes on $name', (backend) => {
  const client = clientFor(backend);
  const doc = DynamoDBDocumentClient.from(client);
  let tableName: string;
  let data: string;
  const make = (id: string, options: LockOptions = {}) =>
    new DynamoDbLock(id, { client, tableName, logger: false, ...options });
  const body = async (id: string) =>
    (await client.send(new GetItemCommand({ TableName: data, Key: { id: { S: id } }, ConsistentRead: true }))).Item
      ?.body?.S;

  beforeAll(async () => {
    tableName = await freshTable(client, 'checked');
    data = await freshDataTable(client, 'data');
  });
  afterAll(() => client.destroy());

  test('commits while the lock is held; the check names the held item and slot', async () => {
    const lock = make('c1');
    await lock.acquire();
    const check = lock.conditionCheck();
    expect(check.ConditionCheck).toMatchObject({ TableName: tableName, Key: { resource_id: { S: 'c1' } } });
    // By hand, in the caller's own transaction:
    await client.send(new TransactWriteItemsCommand({ TransactItems: [put(data, 'c1', 'by hand'), check] }));
    expect(await body('c1')).toBe('by hand');
    // And through the convenience:
    await lock.transactWrite([put(data, 'c1', 'convenience')]);
    expect(await body('c1')).toBe('convenience');
    expect(lock.locked()).toBe(true);
    await lock.release();
    // Released: the check, sent by hand, refuses (the marker keeps the code but not the lease).
    await expect(
      client.send(new TransactWriteItemsCommand({ TransactItems: [put(data, 'c1', 'late'), check] })),
    ).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    expect(await body('c1')).toBe('convenience');
  });

  test('a paused holder, replaced, writes nothing: LockLostError (taken, by whom), the lease lost, the new write stands', async () => {
    // The holder's clock stands still, as a paused process's does: its timers never fire, and it
    // still believes it holds the lock when it resumes.
    const frozen = new FakeClock(Date.now());
    const paused = new DynamoDbLock(
      'c2',
      withClock({ client, tableName, logger: false, duration: 1, autoRenew: true, owner: 'paused' }, frozen),
    );
    await paused.acquire();
    expect(paused.locked()).toBe(true);
    // Another process, as far as the lock can tell: its own client (waiters through one client
    // line up behind the paused holder in this process, which never lets go).
    const elsewhere = clientFor(backend);
    const next = new DynamoDbLock('c2', {
      client: elsewhere,
      tableName,
      logger: false,
      clockSkewAllowance: 0,
      owner: 'next',
    });
    expect(await next.acquire({ timeout: 5 })).toBe(true);
    expect(next.tookOver).toBe(true);
    await next.transactWrite([put(data, 'c2', 'new holder')]);

    // The paused holder resumes and writes: the lock's own check refuses it.
    expect(paused.locked()).toBe(true);
    const error = await paused.transactWrite([put(data, 'c2', 'stale')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockLostError);
    expect(error).toMatchObject({ reason: 'taken', resourceId: 'c2', owner: 'next' });
    expect((error as LockLostError).cause).toMatchObject({ name: 'TransactionCanceledException' });
    // The lease was ended as a loss: the signal aborted with it, locked() is false, release says so.
    expect(paused.locked()).toBe(false);
    expect(paused.signal.reason).toBe(error);
    await expect(paused.release()).rejects.toBe(error);
    expect(await body('c2')).toBe('new holder');
    expect(next.locked()).toBe(true);
    await next.release();
    elsewhere.destroy();
  });

  test("another item's failed condition passes through untouched, with its reasons; the lock stays held", async () => {
    const lock = make('c3');
    await lock.acquire();
    await lock.transactWrite([put(data, 'c3', 'first')]);
    const guarded: TransactWriteItem = {
      Put: {
        ...(put(data, 'c3', 'second').Put as NonNullable<TransactWriteItem['Put']>),
        ConditionExpression: 'attribute_not_exists(id)',
      },
    };
    const error = await lock.transactWrite([guarded]).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TransactionCanceledException' });
    expect((error as { CancellationReasons: { Code: string }[] }).CancellationReasons.map((r) => r.Code)).toEqual([
      'ConditionalCheckFailed',
      'None',
    ]);
    expect(lock.locked()).toBe(true);
    expect(await body('c3')).toBe('first');
    await lock.release();
  });

  test('the document form through lib-dynamodb: the check and the convenience', async () => {
    const lock = make('c4', { owner: 'doc-owner' });
    await lock.acquire();
    const check = lock.conditionCheck({ form: 'document' });
    expect(check.ConditionCheck.Key).toEqual({ resource_id: 'c4' });
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [{ Put: { TableName: data, Item: { id: 'c4', body: 'doc' } } }, check],
      }),
    );
    expect(await body('c4')).toBe('doc');
    const out = await lock.transactWrite([{ Put: { TableName: data, Item: { id: 'c4', body: 'doc 2' } } }], {
      send: (input, signal) => doc.send(new TransactWriteCommand(input), { abortSignal: signal }),
    });
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect((await doc.send(new GetCommand({ TableName: data, Key: { id: 'c4' }, ConsistentRead: true }))).Item).toEqual(
      {
        id: 'c4',
        body: 'doc 2',
      },
    );
    // Taken from under it: the document form maps the loss the same way.
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { resource_id: { S: 'c4' } },
        UpdateExpression: 'SET release_code = :c, #o = :o',
        ExpressionAttributeNames: { '#o': 'owner' },
        ExpressionAttributeValues: { ':c': { S: 'd'.repeat(32) }, ':o': { S: 'thief' } },
      }),
    );
    await expect(
      lock.transactWrite([{ Put: { TableName: data, Item: { id: 'c4', body: 'stale' } } }], {
        send: (input) => doc.send(new TransactWriteCommand(input)),
      }),
    ).rejects.toMatchObject({ name: 'LockLostError', reason: 'taken', owner: 'thief' });
    expect(await body('c4')).toBe('doc 2');
    expect(lock.locked()).toBe(false);
  });

  test('a slot of a semaphore, and a multi-lock: one check per held item', async () => {
    const slots = await freshTable(client, 'checkedslots', 'slots');
    const semaphore = new DynamoDbLock('c5', {
      client,
      tableName: slots,
      tableLayout: 'slots',
      concurrency: 2,
      logger: false,
    });
    const other = new DynamoDbLock('c5', {
      client,
      tableName: slots,
      tableLayout: 'slots',
      concurrency: 2,
      logger: false,
    });
    await other.acquire();
    await semaphore.acquire();
    expect(semaphore.conditionCheck().ConditionCheck?.Key).toEqual({
      resource_id: { S: 'c5' },
      concurrency_id: { N: '1' },
    });
    await semaphore.transactWrite([put(data, 'c5', 'slot 1')]);
    expect(await body('c5')).toBe('slot 1');
    await other.release();
    await semaphore.release();

    const locks = new DynamoDbMultiLock(['c6-a', 'c6-b'], { client, tableName, logger: false });
    await locks.acquire();
    expect(locks.conditionChecks()).toHaveLength(2);
    await locks.transactWrite([put(data, 'c6', 'both')]);
    expect(await body('c6')).toBe('both');
    await locks.release();
  });

  test('fencedWrite: a resource item accepts a token at least as large as the one it stores', async () => {
    const write = (token: number, value: string) => {
      const fence = fencedWrite(token);
      return client.send(
        new UpdateItemCommand({
          TableName: data,
          Key: { id: { S: 'fenced' } },
          UpdateExpression: `SET body = :body, ${fence.set}`,
          ConditionExpression: fence.ConditionExpression,
          ExpressionAttributeNames: fence.ExpressionAttributeNames,
          ExpressionAttributeValues: { ':body': { S: value }, ...fence.ExpressionAttributeValues },
        }),
      );
    };
    await write(10, 'ten');
    await write(10, 'ten again'); // the same holder writes again
    await write(12, 'twelve');
    await expect(write(11, 'stale')).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(await body('fenced')).toBe('twelve');
    // The document form, as a PutItem through lib-dynamodb, on its own attribute.
    const putDoc = (token: number, value: string) => {
      const fence = fencedWrite(token, { form: 'document', attribute: 'token_doc' });
      return doc.send(
        new PutCommand({
          TableName: data,
          Item: { id: 'fenced-doc', body: value, ...fence.item },
          ConditionExpression: fence.ConditionExpression,
          ExpressionAttributeNames: fence.ExpressionAttributeNames,
          ExpressionAttributeValues: fence.ExpressionAttributeValues,
        }),
      );
    };
    await putDoc(5, 'five');
    await expect(putDoc(4, 'stale')).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect((await doc.send(new GetCommand({ TableName: data, Key: { id: 'fenced-doc' } }))).Item).toEqual({
      id: 'fenced-doc',
      body: 'five',
      token_doc: 5,
    });
  });
});

describe('lock-checked writes: bad input and no transactions (dynalite)', () => {
  const backend = dynalite();
  const client = clientFor(backend);
  let tableName: string;
  beforeAll(async () => {
    tableName = await freshTable(client, 'checkednotx');
  });
  afterAll(() => client.destroy());

  /** A client that counts what the lock sends, and passes it on. */
  function counting(): { client: DynamoDBClient; sent: string[] } {
    const sent: string[] = [];
    const spy = {
      config: client.config,
      send: (command: { constructor: { name: string } }, options?: object) => {
        sent.push(command.constructor.name);
        return client.send(command as never, options);
      },
    };
    return { client: spy as unknown as DynamoDBClient, sent };
  }

  test('transactWrite rejects with TransactionsUnsupportedError; the lock is still held', async () => {
    const lock = new DynamoDbLock('n1', { client, tableName, logger: false });
    await lock.acquire();
    const error = await lock
      .transactWrite([{ Put: { TableName: tableName, Item: { resource_id: { S: 'other' } } } }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionsUnsupportedError);
    expect(lock.locked()).toBe(true);
    await lock.release();
  });

  test('bad input gets a typed error before any request', async () => {
    const { client: spy, sent } = counting();
    const lock = new DynamoDbLock('n2', { client: spy, tableName, logger: false });
    const item = { Put: { TableName: tableName, Item: { resource_id: { S: 'x' } } } };
    // Not held: never acquired, and after release.
    expect(() => lock.conditionCheck()).toThrow(LockNotAcquiredError);
    await expect(lock.transactWrite([item])).rejects.toBeInstanceOf(LockNotAcquiredError);
    expect(sent).toEqual([]);
    await lock.acquire();
    await lock.release();
    sent.length = 0;
    await expect(lock.transactWrite([item])).rejects.toBeInstanceOf(LockNotAcquiredError);
    expect(() => lock.conditionCheck({ form: 'document' })).toThrow(LockNotAcquiredError);
    await lock.acquire();
    sent.length = 0;
    // The document client's form (plain values) passed to the raw client.
    const documentForm = { Put: { TableName: tableName, Item: { resource_id: 'x', n: 1 } } };
    const wrong = await lock.transactWrite([documentForm as never]).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(InvalidArgumentError);
    expect((wrong as Error).message).toMatch(/items\[0\]\.Put\.Item\.resource_id.*document client's form/);
    // Too many items: with the lock's check, over DynamoDB's 100.
    await expect(lock.transactWrite(Array.from({ length: 100 }, () => item))).rejects.toThrow(/at most 99 `items`/);
    // Not an action, two actions, an unknown option, a bad form.
    await expect(lock.transactWrite([{} as never])).rejects.toThrow(/exactly one of Put/);
    await expect(lock.transactWrite([{ ...item, Delete: { TableName: 't', Key: {} } } as never])).rejects.toThrow(
      /got Put and Delete/,
    );
    await expect(lock.transactWrite([item], { sned: 1 } as never)).rejects.toThrow(/Unknown option `sned`/);
    // A write to the lock item itself.
    await expect(
      lock.transactWrite([
        {
          Update: {
            TableName: tableName,
            Key: { resource_id: { S: 'n2' } },
            UpdateExpression: 'SET a = :a',
            ExpressionAttributeValues: { ':a': { S: 'b' } },
          },
        },
      ]),
    ).rejects.toThrow(/not to touch the lock item/);
    expect(() => lock.conditionCheck({ form: 'json' } as never)).toThrow(InvalidArgumentError);
    expect(() => fencedWrite(undefined)).toThrow(/never acquired/);
    expect(() => fencedWrite(1.5)).toThrow(InvalidArgumentError);
    expect(sent).toEqual([]);
    await lock.release();
  });

  test('a check built while held refuses once released (the condition, evaluated by hand)', async () => {
    // dynalite cannot run the transaction, but the condition is an ordinary one: prove it with a
    // conditional PutItem of the lock item's own key carrying the check's condition.
    const lock = new DynamoDbLock('n3', { client, tableName, logger: false });
    await lock.acquire();
    const check = lock.conditionCheck().ConditionCheck as NonNullable<TransactWriteItem['ConditionCheck']>;
    const probe = () =>
      client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: check.Key,
          UpdateExpression: 'SET probe = :one',
          ConditionExpression: check.ConditionExpression,
          ExpressionAttributeNames: check.ExpressionAttributeNames,
          ExpressionAttributeValues: { ...check.ExpressionAttributeValues, ':one': { N: '1' } },
        }),
      );
    await probe();
    await lock.release();
    await expect(probe()).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { resource_id: { S: 'n3' }, release_code: { S: 'p' }, expires: { N: '9' } },
      }),
    );
    await expect(probe()).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
  });
});
