/**
 * dynamo-dlm: a distributed lock for Node.js kept in Amazon DynamoDB.
 *
 * @packageDocumentation
 */

export { DEFAULT_DURATION, DEFAULT_TABLE_NAME, type Defaults, defaults, resetDefaults } from './defaults.js';
export {
  AbortedError,
  AlreadyAcquiredError,
  type AnyDynamoDlmError,
  DynamoDbError,
  DynamoDlmError,
  type ErrorCode,
  type ErrorOfCode,
  InvalidArgumentError,
  isDynamoDlmError,
  LeaseTooShortError,
  LockLostError,
  LockNotAcquiredError,
  LockReleasedError,
  LockUnavailableError,
  type LostReason,
  MisconfiguredError,
  TableNotFoundError,
  ThrottledError,
  TransactionsUnsupportedError,
  UnreachableError,
} from './errors.js';
export type {
  AcquiredEvent,
  AcquireEndedEvent,
  AcquireOutcome,
  AcquireStartedEvent,
  ContendedEvent,
  ElectionMessage,
  ExtendedEvent,
  LockHooks,
  LockMessage,
  LostEvent,
  ReleasedEvent,
  ThrottledEvent,
} from './events.js';
export { type FencedWrite, type FencedWriteOptions, fencedWrite } from './fencing.js';
export type { HeldLock } from './held-lock.js';
export type { TableLayout } from './item/attributes.js';
export type { DocumentConditionCheck } from './item/transact-requests.js';
export {
  type DeposedInfo,
  type DeposedReason,
  type ElectionEvent,
  LeaderElection,
  type LeaderElectionOptions,
  type Leadership,
} from './leader-election.js';
export { DynamoDbLock } from './lock.js';
export { DynamoDbMultiLock, type MultiLockOptions } from './multi-lock.js';
export type { AcquireOptions } from './options/acquire-options.js';
export type { LockOptions } from './options/lock-options.js';
export type {
  ConditionCheckOptions,
  DocumentTransactWriteInput,
  DocumentTransactWriteOptions,
  TransactWriteOptions,
} from './options/transact-options.js';
export { type LockInfo, type LockState, type ReadLockOptions, readLock } from './read-lock.js';
export type { Logger } from './runtime/logger.js';
export { type CreateLockTableOptions, type CreateLockTableResult, createLockTable } from './table.js';
export { type WithLockOptions, type WithMultiLockOptions, withLock } from './with-lock.js';
