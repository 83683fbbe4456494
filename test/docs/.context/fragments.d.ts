/**
 * What a documentation fragment (a ```ts block whose first line is a `// Fragment` comment) may
 * use without declaring it: the package's exports, as if imported, and the stand-ins below for
 * what the reader already has. scripts/check-examples.mjs type-checks every fragment with this
 * file in scope; a fragment's marker line says which of these it assumes.
 */
import type { DynamoDBClient, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type * as dlm from 'dynamo-dlm';

declare global {
  // The package's exports, as if imported (a fragment that imports them shadows these).
  const DynamoDbLock: typeof dlm.DynamoDbLock;
  type DynamoDbLock = dlm.DynamoDbLock;
  const DynamoDbMultiLock: typeof dlm.DynamoDbMultiLock;
  type DynamoDbMultiLock = dlm.DynamoDbMultiLock;
  const fencedWrite: typeof dlm.fencedWrite;
  const LeaderElection: typeof dlm.LeaderElection;
  type LeaderElection = dlm.LeaderElection;
  const withLock: typeof dlm.withLock;
  const readLock: typeof dlm.readLock;
  const createLockTable: typeof dlm.createLockTable;
  const defaults: typeof dlm.defaults;
  const resetDefaults: typeof dlm.resetDefaults;
  const isDynamoDlmError: typeof dlm.isDynamoDlmError;
  const DynamoDlmError: typeof dlm.DynamoDlmError;
  type DynamoDlmError = dlm.DynamoDlmError;
  const LockLostError: typeof dlm.LockLostError;
  type LockLostError = dlm.LockLostError;
  type HeldLock<L extends dlm.TableLayout | undefined = dlm.TableLayout | undefined> = dlm.HeldLock<L>;
  type TableLayout = dlm.TableLayout;
  type WithLockOptions = dlm.WithLockOptions;
  type LockOptions = dlm.LockOptions;
  type Leadership = dlm.Leadership;

  // What the reader already has.
  /** The reader's DynamoDB client. */
  const client: DynamoDBClient;
  /** A lock made earlier on the page. */
  const lock: dlm.DynamoDbLock;
  /** An election made earlier on the page. */
  const election: dlm.LeaderElection;
  /** The reader's HTTP server. */
  const server: { close(): Promise<void> };
  /** The reader's metrics client. */
  const metrics: {
    histogram(name: string, value: number): void;
    increment(name: string, tags?: Record<string, string>): void;
  };

  // Stand-ins for the reader's own functions.
  function reconcile(): Promise<void>;
  function buildReport(): Promise<string>;
  function exportPartition(slot: number | undefined): Promise<void>;
  function recoverUnfinishedJobs(options: { fencingToken: number }): Promise<void>;
  function runDueJobs(options: { fencingToken: number; signal: AbortSignal }): Promise<void>;
  const batches: readonly string[];
  /** Builds the TransactWriteItems element that takes `amount` from (or gives it to) `account`. */
  function debit(account: string, amount: number): TransactWriteItem;
  function credit(account: string, amount: number): TransactWriteItem;
  function reindex(batch: string, options: { abortSignal: AbortSignal }): Promise<void>;
}
