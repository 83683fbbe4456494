import { GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbLock } from '../../lock.js';
import { classify } from '../../runtime/sdk-errors.js';
import { parseInteger, UsageError } from '../framework/args.js';
import { cliLogger } from '../framework/cli-logger.js';
import { defineCommand } from '../framework/command.js';
import { EXIT } from '../framework/exit-codes.js';
import type { Hold, WorkerReport } from './check.js';

/** The hidden subcommand `demo` starts its workers with. */
export const DEMO_WORKER_COMMAND = '__demo-worker';

/** The one lock every demo worker contends for. */
export const DEMO_RESOURCE = 'demo-counter';

/** The data item the workers increment. */
export const COUNTER_KEY = 'counter';

/** Lease length of the demo lock, seconds: short, so that a crashed holder's lease soon runs out. */
export const DEMO_LEASE_SECONDS = 2;

/** What a worker has counted so far. */
export type WorkerCounts = Omit<WorkerReport, 'worker' | 'holds' | 'crashed'>;

/**
 * A line a worker writes to stdout: one per finished increment (with its hold), then its
 * counts; or, for the worker told to crash, the hold it is about to abandon.
 */
export type WorkerMessage =
  | { readonly type: 'progress'; readonly done: number; readonly hold: Hold }
  | ({ readonly type: 'crash'; readonly hold: Hold } & WorkerCounts)
  | ({ readonly type: 'done' } & WorkerCounts);

/** Wall-clock ms with sub-millisecond resolution, comparable across processes on one machine. */
const now = (): number => performance.timeOrigin + performance.now();

/**
 * One demo worker: `--increments` times, acquire the lock, read the counter, pause a moment
 * (widening the window in which an unprotected read-modify-write would lose updates), write
 * counter + 1, release. The write is fenced: refused when the stored token is not smaller than ours.
 */
export const demoWorkerCommand = defineCommand({
  name: DEMO_WORKER_COMMAND,
  summary: 'one demo worker (started by `demo`)',
  description: 'Increments the demo counter under the demo lock and reports each hold on stdout as JSON.',
  hidden: true,
  flags: {
    'data-table': { type: 'string', value: 'NAME', help: 'the counter table' },
    worker: { type: 'string', value: 'N', help: 'this worker’s number' },
    increments: { type: 'string', value: 'N', help: 'increments to do' },
    'crash-at': { type: 'string', value: 'N', help: 'die holding the lock when the counter reads N' },
  },
  connect: true,
  async run({ io, flags, config, client }) {
    const worker = parseInteger('worker', flags.worker, 0, 1000) ?? 0;
    const increments = parseInteger('increments', flags.increments, 1, 100_000) ?? 1;
    const crashAt = parseInteger('crash-at', flags['crash-at'], 0, 100_000);
    const dataTable = flags['data-table'];
    if (dataTable === undefined) throw new UsageError('missing --data-table');
    let attempts = 0;
    let waits = 0;
    let staleWrites = 0;
    let takeovers = 0;
    const counts = (): WorkerCounts => ({ attempts, waits, staleWrites, takeovers });
    const lock = new DynamoDbLock(DEMO_RESOURCE, {
      client,
      tableName: config.tableName,
      duration: DEMO_LEASE_SECONDS,
      logger: cliLogger(io, false),
      hooks: {
        acquired: (e) => {
          attempts += e.attempts;
          if (e.attempts > 1) waits++;
          if (e.tookOver) takeovers++;
        },
      },
    });
    const key = { resource_id: { S: COUNTER_KEY } };
    for (let i = 0; i < increments; i++) {
      await lock.acquire();
      const start = now();
      const token = lock.fencingToken ?? 0;
      const read = await client.send(new GetItemCommand({ TableName: dataTable, Key: key, ConsistentRead: true }));
      const value = Number(read.Item?.value?.N ?? '0');
      if (value === crashAt && read.Item?.crashed === undefined) {
        // Die holding the lock, as a crashed or killed job would: no release, no renewal. Until
        // its lease runs out, the hold counts as still going on. The mark (written under the
        // lock) keeps the next holder, who reads the same counter, from dying too.
        await client.send(
          new UpdateItemCommand({
            TableName: dataTable,
            Key: key,
            UpdateExpression: 'SET crashed = :worker',
            ExpressionAttributeValues: { ':worker': { N: String(worker) } },
          }),
        );
        const hold = { start, end: start + DEMO_LEASE_SECONDS * 1000, fencingToken: token, worker };
        io.out(JSON.stringify({ type: 'crash', hold, ...counts() } satisfies WorkerMessage));
        process.kill(process.pid, 'SIGKILL');
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 2));
      try {
        await client.send(
          new PutItemCommand({
            TableName: dataTable,
            Item: { ...key, value: { N: String(value + 1) }, fencing_token: { N: String(token) } },
            ConditionExpression: 'attribute_not_exists(fencing_token) OR fencing_token < :token',
            ExpressionAttributeValues: { ':token': { N: String(token) } },
          }),
        );
      } catch (error) {
        if (classify(error) !== 'conditional') throw error;
        staleWrites++;
      }
      const hold = { start, end: now(), fencingToken: token, worker };
      await lock.release();
      io.out(JSON.stringify({ type: 'progress', done: i + 1, hold } satisfies WorkerMessage));
    }
    io.out(JSON.stringify({ type: 'done', ...counts() } satisfies WorkerMessage));
    return EXIT.OK;
  },
});
