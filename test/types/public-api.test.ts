/**
 * Type tests of the public API. The `expectTypeOf` assertions are checked by the compiler
 * (`npm run typecheck`, part of `npm test`): a changed signature fails the type check, and an
 * `@ts-expect-error` line that stops being an error fails it too. The runtime test pins the
 * export list, so that nothing becomes public by accident.
 */
import type {
  AttributeValue,
  DynamoDBClient,
  TransactWriteItem,
  TransactWriteItemsCommandOutput,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient, TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { describe, expect, expectTypeOf, test } from 'vitest';
import * as api from '../../src/index.js';
import {
  AbortedError,
  type AcquiredEvent,
  type AcquireEndedEvent,
  type AcquireOptions,
  type AcquireOutcome,
  type AcquireStartedEvent,
  AlreadyAcquiredError,
  type ConditionCheckOptions,
  type CreateLockTableOptions,
  type CreateLockTableResult,
  createLockTable,
  type DEFAULT_DURATION,
  type DEFAULT_TABLE_NAME,
  type Defaults,
  type DeposedInfo,
  type DeposedReason,
  type DocumentConditionCheck,
  type DocumentTransactWriteInput,
  type DocumentTransactWriteOptions,
  DynamoDbError,
  DynamoDbLock,
  DynamoDbMultiLock,
  type DynamoDlmError,
  defaults,
  type ElectionEvent,
  type ElectionMessage,
  type ErrorCode,
  type ExtendedEvent,
  type FencedWrite,
  type FencedWriteOptions,
  fencedWrite,
  type HeldLock,
  InvalidArgumentError,
  LeaderElection,
  type LeaderElectionOptions,
  type Leadership,
  LeaseTooShortError,
  type LockHooks,
  type LockInfo,
  LockLostError,
  type LockMessage,
  LockNotAcquiredError,
  type LockOptions,
  LockReleasedError,
  type LockState,
  LockUnavailableError,
  type Logger,
  type LostEvent,
  type LostReason,
  MisconfiguredError,
  type MultiLockOptions,
  type ReadLockOptions,
  readLock,
  resetDefaults,
  type TableLayout,
  TableNotFoundError,
  ThrottledError,
  TransactionsUnsupportedError,
  type TransactWriteOptions,
  UnreachableError,
  type WithLockOptions,
  type WithMultiLockOptions,
  withLock,
} from '../../src/index.js';
import * as otel from '../../src/opentelemetry.js';
import { type InstrumentLocksOptions, instrumentLocks, type LockInstrumentation } from '../../src/opentelemetry.js';
import { type LocalDynamo, type StartLocalDynamoOptions, startLocalDynamo } from '../../src/testing.js';

describe('exports', () => {
  test('the main entry exports exactly the documented runtime names', () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        'AbortedError',
        'AlreadyAcquiredError',
        'DEFAULT_DURATION',
        'DEFAULT_TABLE_NAME',
        'DynamoDbError',
        'DynamoDbLock',
        'DynamoDbMultiLock',
        'DynamoDlmError',
        'InvalidArgumentError',
        'LeaderElection',
        'LeaseTooShortError',
        'LockLostError',
        'LockNotAcquiredError',
        'LockReleasedError',
        'LockUnavailableError',
        'MisconfiguredError',
        'TableNotFoundError',
        'ThrottledError',
        'TransactionsUnsupportedError',
        'UnreachableError',
        'createLockTable',
        'defaults',
        'fencedWrite',
        'isDynamoDlmError',
        'readLock',
        'resetDefaults',
        'withLock',
      ].sort(),
    );
  });
});

describe('DynamoDbLock', () => {
  test('constructor and members', () => {
    expectTypeOf(DynamoDbLock).toBeConstructibleWith('id');
    expectTypeOf(DynamoDbLock).toBeConstructibleWith('id', { duration: 1.5, tableName: 't' });
    expectTypeOf<DynamoDbLock>().toExtend<AsyncDisposable>();

    expectTypeOf<DynamoDbLock['acquire']>().parameter(0).toEqualTypeOf<AcquireOptions | undefined>();
    expectTypeOf<DynamoDbLock['acquire']>().returns.toEqualTypeOf<Promise<boolean>>();
    expectTypeOf<DynamoDbLock['release']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<DynamoDbLock['extend']>().parameter(0).toEqualTypeOf<number | undefined>();
    expectTypeOf<DynamoDbLock['locked']>().returns.toEqualTypeOf<boolean>();
    expectTypeOf<DynamoDbLock['signal']>().toEqualTypeOf<AbortSignal>();
    expectTypeOf<DynamoDbLock['fencingToken']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<DynamoDbLock['tookOver']>().toEqualTypeOf<boolean>();
    expectTypeOf<DynamoDbLock['expiresAt']>().toEqualTypeOf<Date | undefined>();
    expectTypeOf<DynamoDbLock['resourceId']>().toEqualTypeOf<string>();
    expectTypeOf<DynamoDbLock['duration']>().toEqualTypeOf<number>();
    expectTypeOf<DynamoDbLock['client']>().toEqualTypeOf<DynamoDBClient | undefined>();
    expectTypeOf<DynamoDbLock['slot']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<DynamoDbLock['concurrency']>().toEqualTypeOf<number>();
    expectTypeOf<DynamoDbLock['tableLayout']>().toEqualTypeOf<TableLayout>();
    expectTypeOf<DynamoDbLock['owner']>().toEqualTypeOf<string>();
    expectTypeOf<DynamoDbLock['data']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<DynamoDbLock['setData']>().toEqualTypeOf<(data: string) => Promise<void>>();
  });

  test('concurrency and tableLayout (Python dynamo-dlm 2.x tables)', () => {
    expectTypeOf(DynamoDbLock).toBeConstructibleWith('jobs', { concurrency: 3, tableLayout: 'slots' });
    expectTypeOf<TableLayout>().toEqualTypeOf<'single' | 'slots'>();
    expectTypeOf<LockOptions['concurrency']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<LockOptions['tableLayout']>().toEqualTypeOf<TableLayout | undefined>();
    // @ts-expect-error a layout is one of two names
    expectTypeOf(DynamoDbLock).toBeConstructibleWith('jobs', { tableLayout: 'sorted' });
    // @ts-expect-error concurrency is a number, not a string
    expectTypeOf(DynamoDbLock).toBeConstructibleWith('jobs', { concurrency: '2' });
    const setSlot = (lock: DynamoDbLock) => {
      // @ts-expect-error slot is read-only
      lock.slot = 1;
    };
    expectTypeOf(setSlot).toBeFunction();
  });

  test('owner and data are strings', () => {
    expectTypeOf<LockOptions['owner']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<LockOptions['data']>().toEqualTypeOf<string | undefined>();
    // @ts-expect-error data is a string: JSON.stringify a structured value
    expectTypeOf(DynamoDbLock).toBeConstructibleWith('id', { data: { step: 1 } });
    expectTypeOf(DynamoDbLock).toBeConstructibleWith('id', { owner: 'worker-7', data: '{"step":1}' });
  });

  test('client takes a DynamoDBClient or a DynamoDBDocumentClient, with no import of lib-dynamodb in our types', () => {
    // The published types name only DynamoDBClient: a DynamoDBDocumentClient is one structurally
    // (it shares the wrapped client's config and middleware), so users without lib-dynamodb see
    // no missing module, and users with it pass their document client as it is.
    expectTypeOf<DynamoDBDocumentClient>().toExtend<NonNullable<LockOptions['client']>>();
    expectTypeOf<DynamoDBDocumentClient>().toExtend<NonNullable<ReadLockOptions['client']>>();
    expectTypeOf<DynamoDBDocumentClient>().toExtend<NonNullable<WithLockOptions['client']>>();
    // @ts-expect-error anything without send is no client
    expectTypeOf(DynamoDbLock).toBeConstructibleWith('id', { client: { region: 'us-east-1' } });
  });

  test('options are readonly, typed, and closed', () => {
    expectTypeOf<LockOptions['duration']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<LockOptions['client']>().toEqualTypeOf<DynamoDBClient | undefined>();
    expectTypeOf<LockOptions['logger']>().toEqualTypeOf<Logger | false | undefined>();
    expectTypeOf<LockOptions['hooks']>().toEqualTypeOf<LockHooks | undefined>();
    expectTypeOf<AcquireOptions['signal']>().toEqualTypeOf<AbortSignal | undefined>();
    expectTypeOf(console).toExtend<Logger>();

    // @ts-expect-error a mistyped option is a compile error (and an InvalidArgumentError at run time)
    expectTypeOf(DynamoDbLock).toBeConstructibleWith('id', { durration: 5 });
    // @ts-expect-error durations are numbers of seconds
    expectTypeOf(DynamoDbLock).toBeConstructibleWith('id', { duration: '5' });
    const options: LockOptions = { duration: 5 };
    // @ts-expect-error options are readonly
    options.duration = 6;
  });
});

describe('withLock', () => {
  test("returns the work's value and gives the work the lock", () => {
    // Never called: only the types matter, and a call would reach for AWS.
    const call = () =>
      withLock('id', async (lock) => {
        expectTypeOf(lock).toEqualTypeOf<HeldLock<undefined>>();
        expectTypeOf(lock).toExtend<DynamoDbLock>();
        return 42 as const;
      });
    expectTypeOf(call).returns.toEqualTypeOf<Promise<42>>();
    // Parameters reads the last overload: the single id's (the array form is pinned below).
    expectTypeOf<Parameters<typeof withLock<string>>[2]>().toEqualTypeOf<
      (WithLockOptions & { readonly tableLayout?: undefined }) | undefined
    >();
    expectTypeOf<WithLockOptions>().toExtend<LockOptions>();
    expectTypeOf<WithLockOptions>().toExtend<AcquireOptions>();
  });

  test('an array of ids gives the work a multi-lock', () => {
    const call = () =>
      withLock(['a', 'b'], async (locks) => {
        expectTypeOf(locks).toEqualTypeOf<DynamoDbMultiLock>();
        return 'done' as const;
      });
    expectTypeOf(call).returns.toEqualTypeOf<Promise<'done'>>();
    expectTypeOf<WithMultiLockOptions>().toExtend<MultiLockOptions>();
    expectTypeOf<WithMultiLockOptions>().toExtend<AcquireOptions>();
    // Never called: a call would reach for AWS.
    // @ts-expect-error a multi-lock holds each resource alone: no concurrency
    const bad = () => withLock(['a', 'b'], () => 1, { concurrency: 2 });
    expectTypeOf(bad).toBeFunction();
  });
});

describe('lock-checked writes', () => {
  test('the check, raw and in the document form lib-dynamodb takes', () => {
    expectTypeOf<DynamoDbLock['conditionCheck']>().toBeCallableWith();
    const raw = (lock: DynamoDbLock) => lock.conditionCheck();
    expectTypeOf(raw).returns.toEqualTypeOf<TransactWriteItem>();
    const doc = (lock: DynamoDbLock) => lock.conditionCheck({ form: 'document' });
    expectTypeOf(doc).returns.toEqualTypeOf<DocumentConditionCheck>();
    // The document form goes into TransactWriteCommand as it is, with no lib-dynamodb import in our types.
    expectTypeOf<DocumentConditionCheck>().toExtend<NonNullable<TransactWriteCommandInput['TransactItems']>[number]>();
    expectTypeOf<ConditionCheckOptions['form']>().toEqualTypeOf<'raw' | 'document' | undefined>();
    const multi = (locks: DynamoDbMultiLock) => locks.conditionChecks({ form: 'document' });
    expectTypeOf(multi).returns.toEqualTypeOf<DocumentConditionCheck[]>();
  });

  test('transactWrite: raw items through the lock, or document items through your send', () => {
    const raw = (lock: DynamoDbLock, items: TransactWriteItem[]) => lock.transactWrite(items);
    expectTypeOf(raw).returns.toEqualTypeOf<Promise<TransactWriteItemsCommandOutput>>();
    const item = { Put: { TableName: 'reports', Item: { id: 'daily', n: 1 } } };
    const doc = (lock: DynamoDbLock) =>
      lock.transactWrite([item], {
        send: async (input: DocumentTransactWriteInput<typeof item>) => {
          expectTypeOf(input.TransactItems).toEqualTypeOf<(typeof item | DocumentConditionCheck)[]>();
          return 7 as const;
        },
      });
    expectTypeOf(doc).returns.toEqualTypeOf<Promise<7>>();
    expectTypeOf<TransactWriteOptions['signal']>().toEqualTypeOf<AbortSignal | undefined>();
    expectTypeOf<DocumentTransactWriteOptions<object, 1>>().toExtend<TransactWriteOptions>();
    const multi = (locks: DynamoDbMultiLock, items: TransactWriteItem[]) => locks.transactWrite(items);
    expectTypeOf(multi).returns.toEqualTypeOf<Promise<TransactWriteItemsCommandOutput>>();
  });

  test('fencedWrite: raw attribute values or plain numbers', () => {
    expectTypeOf(fencedWrite(1)).toEqualTypeOf<FencedWrite<AttributeValue>>();
    expectTypeOf(fencedWrite(1, { form: 'document' })).toEqualTypeOf<FencedWrite<number>>();
    expectTypeOf<FencedWriteOptions['attribute']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<FencedWrite<number>['set']>().toEqualTypeOf<string>();
  });
});

describe('DynamoDbMultiLock', () => {
  test('constructor and members', () => {
    expectTypeOf(DynamoDbMultiLock).toBeConstructibleWith(['a', 'b']);
    expectTypeOf(DynamoDbMultiLock).toBeConstructibleWith(['a', 'b'], { duration: 5, autoRenew: true });
    // @ts-expect-error a multi-lock holds each resource alone: no concurrency
    expectTypeOf(DynamoDbMultiLock).toBeConstructibleWith(['a'], { concurrency: 2 });
    expectTypeOf<ConstructorParameters<typeof DynamoDbMultiLock>>().toEqualTypeOf<
      [resourceIds: readonly string[], options?: MultiLockOptions | undefined]
    >();
    expectTypeOf<DynamoDbMultiLock>().toExtend<AsyncDisposable>();
    expectTypeOf<DynamoDbMultiLock['acquire']>().parameter(0).toEqualTypeOf<AcquireOptions | undefined>();
    expectTypeOf<DynamoDbMultiLock['acquire']>().returns.toEqualTypeOf<Promise<boolean>>();
    expectTypeOf<DynamoDbMultiLock['release']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<DynamoDbMultiLock['extend']>().parameter(0).toEqualTypeOf<number | undefined>();
    expectTypeOf<DynamoDbMultiLock['locked']>().returns.toEqualTypeOf<boolean>();
    expectTypeOf<DynamoDbMultiLock['signal']>().toEqualTypeOf<AbortSignal>();
    expectTypeOf<DynamoDbMultiLock['fencingTokens']>().toEqualTypeOf<ReadonlyMap<string, number>>();
    expectTypeOf<DynamoDbMultiLock['tookOver']>().toEqualTypeOf<readonly string[]>();
    expectTypeOf<DynamoDbMultiLock['expiresAt']>().toEqualTypeOf<Date | undefined>();
    expectTypeOf<DynamoDbMultiLock['resourceIds']>().toEqualTypeOf<readonly string[]>();
    expectTypeOf<DynamoDbMultiLock['client']>().toEqualTypeOf<DynamoDBClient | undefined>();
    expectTypeOf<MultiLockOptions>().toEqualTypeOf<Omit<LockOptions, 'concurrency'>>();
  });
});

describe('readLock', () => {
  test('returns a plain, readonly description of the item', () => {
    expectTypeOf(readLock).returns.toEqualTypeOf<Promise<LockInfo>>();
    expectTypeOf<LockState>().toEqualTypeOf<'free' | 'held' | 'released'>();
    expectTypeOf<LockInfo>().toEqualTypeOf<{
      readonly resourceId: string;
      readonly state: LockState;
      readonly held: boolean;
      readonly expired: boolean;
      readonly owner: string | undefined;
      readonly data: string | undefined;
      readonly expiresAt: Date | undefined;
      readonly fencingToken: number | undefined;
    }>();
    expectTypeOf<ReadLockOptions>().toEqualTypeOf<{
      readonly client?: DynamoDBClient;
      readonly tableName?: string;
      readonly tableLayout?: TableLayout;
      readonly slot?: number;
      readonly signal?: AbortSignal;
    }>();
  });
});

describe('defaults', () => {
  test('mutable settings and the built-in constants', () => {
    expectTypeOf(defaults).toEqualTypeOf<Defaults>();
    expectTypeOf(defaults.duration).toEqualTypeOf<number>();
    expectTypeOf(defaults.tableName).toEqualTypeOf<string>();
    expectTypeOf(defaults.concurrency).toEqualTypeOf<number>();
    expectTypeOf(defaults.tableLayout).toEqualTypeOf<TableLayout>();
    expectTypeOf<typeof DEFAULT_DURATION>().toEqualTypeOf<10>();
    expectTypeOf<typeof DEFAULT_TABLE_NAME>().toEqualTypeOf<'dynamo_dlm_locks'>();
    expectTypeOf(resetDefaults).toEqualTypeOf<() => void>();
  });
});

describe('errors', () => {
  test('every error extends the base and carries a code', () => {
    for (const Class of [
      InvalidArgumentError,
      LockNotAcquiredError,
      AlreadyAcquiredError,
      LockLostError,
      LockUnavailableError,
      AbortedError,
      ThrottledError,
      TableNotFoundError,
      DynamoDbError,
      MisconfiguredError,
      UnreachableError,
      TransactionsUnsupportedError,
    ]) {
      expectTypeOf(Class.prototype).toExtend<DynamoDlmError>();
    }
    expectTypeOf<DynamoDlmError['code']>().toEqualTypeOf<ErrorCode>();
    expectTypeOf<ErrorCode>().toEqualTypeOf<
      | 'INVALID_ARGUMENT'
      | 'LOCK_NOT_ACQUIRED'
      | 'ALREADY_ACQUIRED'
      | 'LOCK_LOST'
      | 'LOCK_UNAVAILABLE'
      | 'ABORTED'
      | 'THROTTLED'
      | 'TABLE_NOT_FOUND'
      | 'DYNAMODB_ERROR'
      | 'LOCK_RELEASED'
      | 'LEASE_TOO_SHORT'
      | 'MISCONFIGURED'
      | 'UNREACHABLE'
      | 'TRANSACTIONS_UNSUPPORTED'
    >();
    expectTypeOf<LockLostError['reason']>().toEqualTypeOf<LostReason>();
    expectTypeOf<LockLostError['owner']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<LostReason>().toEqualTypeOf<'taken' | 'expired' | 'unreachable' | 'forced'>();
    expectTypeOf<TableNotFoundError['tableName']>().toEqualTypeOf<string>();
    expectTypeOf<LockUnavailableError['resourceId']>().toEqualTypeOf<string>();
    expectTypeOf<MisconfiguredError['endpoint']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<UnreachableError['endpoint']>().toEqualTypeOf<string | undefined>();
  });
});

describe('hooks', () => {
  test('each hook receives its typed event', () => {
    expectTypeOf<NonNullable<LockHooks['acquired']>>().parameter(0).toEqualTypeOf<AcquiredEvent>();
    expectTypeOf<NonNullable<LockHooks['lost']>>().parameter(0).toEqualTypeOf<LostEvent>();
    expectTypeOf<AcquiredEvent['fencingToken']>().toEqualTypeOf<number>();
    expectTypeOf<LostEvent['reason']>().toEqualTypeOf<LostReason>();
    // Every event carries the slot of a 'slots' lock.
    expectTypeOf<AcquiredEvent['slot']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<LostEvent['slot']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<LockLostError['slot']>().toEqualTypeOf<number | undefined>();
  });

  test('an acquire reports its start and its outcome; extends and losses their durations', () => {
    expectTypeOf<NonNullable<LockHooks['acquireStarted']>>().parameter(0).toEqualTypeOf<AcquireStartedEvent>();
    expectTypeOf<NonNullable<LockHooks['acquireEnded']>>().parameter(0).toEqualTypeOf<AcquireEndedEvent>();
    expectTypeOf<AcquireEndedEvent['outcome']>().toEqualTypeOf<AcquireOutcome>();
    expectTypeOf<AcquireOutcome>().toEqualTypeOf<'acquired' | 'timeout' | 'unavailable' | 'aborted' | 'error'>();
    expectTypeOf<AcquireStartedEvent['timeoutMs']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ExtendedEvent['durationMs']>().toEqualTypeOf<number>();
    expectTypeOf<LostEvent['heldMs']>().toEqualTypeOf<number>();
  });

  test('the diagnostics channel messages name the lock or election they are about', () => {
    expectTypeOf<LockMessage<'acquired'>['event']>().toEqualTypeOf<AcquiredEvent>();
    expectTypeOf<LockMessage['lock']>().toEqualTypeOf<DynamoDbLock>();
    expectTypeOf<ElectionMessage['election']>().toEqualTypeOf<LeaderElection>();
    expectTypeOf<ElectionMessage['event']>().toEqualTypeOf<ElectionEvent>();
  });
});

describe('dynamo-dlm/opentelemetry', () => {
  test('exports instrumentLocks alone, which takes its options and returns a stoppable handle', () => {
    expect(Object.keys(otel)).toEqual(['instrumentLocks']);
    expectTypeOf(instrumentLocks).parameter(0).toEqualTypeOf<InstrumentLocksOptions | undefined>();
    expectTypeOf(instrumentLocks).returns.toEqualTypeOf<LockInstrumentation>();
    expectTypeOf<LockInstrumentation>().toExtend<Disposable>();
    expectTypeOf<InstrumentLocksOptions['lock']>().toEqualTypeOf<DynamoDbLock | LeaderElection | undefined>();
    expectTypeOf<InstrumentLocksOptions['resourceIdInMetrics']>().toEqualTypeOf<boolean | undefined>();
    // @ts-expect-error a mistyped option is a type error (and, at run time, an InvalidArgumentError)
    expect(() => instrumentLocks({ resourceIds: true })).toThrow(InvalidArgumentError);
  });
});

describe('createLockTable and dynamo-dlm/testing', () => {
  test('signatures', () => {
    expectTypeOf(createLockTable).parameter(0).toEqualTypeOf<CreateLockTableOptions | undefined>();
    expectTypeOf(createLockTable).returns.toEqualTypeOf<Promise<CreateLockTableResult>>();
    expectTypeOf<CreateLockTableResult['ttl']>().toEqualTypeOf<'enabled' | 'unsupported'>();
    expectTypeOf<CreateLockTableOptions['tableLayout']>().toEqualTypeOf<TableLayout | undefined>();
    expectTypeOf<CreateLockTableResult['tableLayout']>().toEqualTypeOf<TableLayout>();
    expectTypeOf(startLocalDynamo).parameter(0).toEqualTypeOf<StartLocalDynamoOptions | undefined>();
    expectTypeOf(startLocalDynamo).returns.toEqualTypeOf<Promise<LocalDynamo>>();
    expectTypeOf<LocalDynamo['client']>().toEqualTypeOf<DynamoDBClient>();
    expectTypeOf<LocalDynamo['endpoint']>().toEqualTypeOf<string>();
    expectTypeOf<StartLocalDynamoOptions['tableName']>().toEqualTypeOf<string | false | undefined>();
  });
});

describe('signatures are pinned: no test seam or other extra parameter is public', () => {
  test('constructors', () => {
    expectTypeOf<ConstructorParameters<typeof DynamoDbLock>>().toEqualTypeOf<
      [resourceId: string, options?: LockOptions | undefined]
    >();
    expectTypeOf<ConstructorParameters<typeof DynamoDlmError>>().toEqualTypeOf<
      [code: ErrorCode, message: string, options?: { cause?: unknown } | undefined]
    >();
    expectTypeOf<ConstructorParameters<typeof LockLostError>>().toEqualTypeOf<
      [
        resourceId: string,
        reason: LostReason,
        message: string,
        options?: { cause?: unknown; slot?: number | undefined; owner?: string | undefined } | undefined,
      ]
    >();
    for (const Class of [LockReleasedError, LeaseTooShortError]) {
      expectTypeOf<ConstructorParameters<typeof Class>>().toEqualTypeOf<[resourceId: string, message: string]>();
    }
    expectTypeOf<ConstructorParameters<typeof LockUnavailableError>>().toEqualTypeOf<
      [resourceId: string, message: string, options?: { cause?: unknown } | undefined]
    >();
    for (const Class of [MisconfiguredError, UnreachableError]) {
      expectTypeOf<ConstructorParameters<typeof Class>>().toEqualTypeOf<
        [message: string, options?: { cause?: unknown; endpoint?: string | undefined } | undefined]
      >();
    }
    expectTypeOf<ConstructorParameters<typeof TableNotFoundError>>().toEqualTypeOf<
      [tableName: string, options?: { cause?: unknown } | undefined]
    >();
    for (const Class of [AbortedError, ThrottledError, DynamoDbError, TransactionsUnsupportedError]) {
      expectTypeOf<ConstructorParameters<typeof Class>>().toEqualTypeOf<
        [message: string, options?: { cause?: unknown } | undefined]
      >();
    }
    for (const Class of [InvalidArgumentError, LockNotAcquiredError, AlreadyAcquiredError]) {
      expectTypeOf<ConstructorParameters<typeof Class>>().toEqualTypeOf<[message: string]>();
    }
  });

  test('functions', () => {
    expectTypeOf<Parameters<typeof withLock<number, 'slots'>>>().toEqualTypeOf<
      [
        resourceId: string,
        work: (lock: HeldLock<'slots'>) => number | PromiseLike<number>,
        options?: (WithLockOptions & { readonly tableLayout?: 'slots' }) | undefined,
      ]
    >();
    expectTypeOf<Parameters<typeof createLockTable>>().toEqualTypeOf<[options?: CreateLockTableOptions | undefined]>();
    expectTypeOf<Parameters<typeof resetDefaults>>().toEqualTypeOf<[]>();
    expectTypeOf<Parameters<typeof readLock>>().toEqualTypeOf<
      [resourceId: string, options?: ReadLockOptions | undefined]
    >();
    expectTypeOf<Parameters<DynamoDbLock['setData']>>().toEqualTypeOf<[data: string]>();
    expectTypeOf<Parameters<typeof startLocalDynamo>>().toEqualTypeOf<
      [options?: StartLocalDynamoOptions | undefined]
    >();
  });
});

describe('LeaderElection', () => {
  test('constructor, members, callbacks and events', () => {
    expectTypeOf(LeaderElection).toBeConstructibleWith('scheduler', {
      duration: 10,
      onElected: ({ signal, fencingToken, term }) => void [signal, fencingToken, term],
      onDeposed: (reason) => void reason,
    });
    expectTypeOf<ConstructorParameters<typeof LeaderElection>>().toEqualTypeOf<
      [name: string, options?: LeaderElectionOptions | undefined]
    >();
    expectTypeOf<LeaderElection>().toExtend<AsyncDisposable>();
    expectTypeOf<LeaderElection['start']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<LeaderElection['stop']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<LeaderElection['resign']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<LeaderElection['isLeader']>().returns.toEqualTypeOf<boolean>();
    expectTypeOf<LeaderElection['leadership']>().toEqualTypeOf<Leadership | undefined>();
    expectTypeOf<LeaderElection['expiresAt']>().toEqualTypeOf<Date | undefined>();
    expectTypeOf<LeaderElection['events']>().returns.toEqualTypeOf<AsyncIterableIterator<ElectionEvent>>();
    expectTypeOf<Leadership['signal']>().toEqualTypeOf<AbortSignal>();
    expectTypeOf<Leadership['term']>().toEqualTypeOf<number>();
    expectTypeOf<DeposedReason>().toEqualTypeOf<LostReason | 'resigned' | 'stopped'>();
    expectTypeOf<NonNullable<LeaderElectionOptions['onDeposed']>>().parameters.toEqualTypeOf<
      [DeposedReason, DeposedInfo]
    >();
    // A leader always renews: the lock's autoRenew is not an election option.
    // @ts-expect-error autoRenew is not an election option
    expect(() => new LeaderElection('x', { autoRenew: true })).toThrow(InvalidArgumentError);
    // @ts-expect-error one leader: concurrency is not an election option
    expect(() => new LeaderElection('x', { tableLayout: 'slots', concurrency: 2 })).toThrow(InvalidArgumentError);
  });
});
