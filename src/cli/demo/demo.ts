import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DEFAULT_TABLE_NAME } from '../../defaults.js';
import { createLockTable } from '../../table.js';
import { startLocalDynamo } from '../../testing.js';
import { parseInteger } from '../framework/args.js';
import { defineCommand } from '../framework/command.js';
import { EXIT } from '../framework/exit-codes.js';
import { type Io, PREFIX } from '../framework/io.js';
import { needsDynalite } from '../framework/needs-dynalite.js';
import { formatSummary, type Hold, summarize, type WorkerReport } from './check.js';
import {
  COUNTER_KEY,
  DEMO_LEASE_SECONDS,
  DEMO_RESOURCE,
  DEMO_WORKER_COMMAND,
  type WorkerCounts,
  type WorkerMessage,
} from './worker.js';

const LOCK_TABLE = DEFAULT_TABLE_NAME;
const DATA_TABLE = 'dynamo_dlm_demo_data';
const MAIN_SCRIPT = fileURLToPath(new URL('../main.js', import.meta.url));

/** The live progress line. Pure. */
export function progressLine(done: number, total: number, workers: number, running: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} increments, ${running} of ${workers} workers running`;
}

/** `dynamo-dlm demo`: workers contend for one lock on an embedded DynamoDB; the verdict is computed. */
export const demoCommand = defineCommand({
  name: 'demo',
  summary: 'watch worker processes share one lock, and check mutual exclusion',
  description: `Starts an embedded DynamoDB (dynalite) in this process, creates the lock table, and runs
worker processes that contend for one lock to increment a shared counter (read, then write:
unsafe without the lock). The worker holding the lock when the counter reaches half of one
worker's share is killed while holding it: the others wait for its lease to run out, and the
next acquire takes it over. Then the demo checks, from the workers' recorded hold intervals,
fencing tokens and the final counter, that no two workers ever held the lock at once. Exits 0
when there was no violation, 1 otherwise. Needs the dynalite package, as \`local\` does.`,
  flags: {
    workers: { type: 'string', value: 'N', help: 'worker processes (1-16)', default: '4' },
    increments: { type: 'string', value: 'N', help: 'increments per worker (1-1000)', default: '50' },
    'no-crash': { type: 'boolean', help: 'do not kill a worker' },
  },
  async run({ io, flags }) {
    const workers = parseInteger('workers', flags.workers, 1, 16) ?? 4;
    const increments = parseInteger('increments', flags.increments, 1, 1000) ?? 50;
    // Whichever worker holds the lock when the counter reaches half of one worker's share dies
    // holding it, unless told not to or alone. Chosen by the counter, not by worker, so that the
    // others always have increments left to do and must take over the abandoned lease: a worker
    // picked in advance could be scheduled last and crash after everyone else had finished.
    const crashAt = flags['no-crash'] || workers < 2 ? undefined : Math.floor(increments / 2);
    // Increments expected in all; the crashed worker's unfinished share is taken off once known.
    let total = workers * increments;
    const started = Date.now();

    await needsDynalite('demo');
    const local = await startLocalDynamo({ tableName: LOCK_TABLE });
    try {
      await createLockTable({ client: local.client, tableName: DATA_TABLE });
      io.out(
        `dynamo-dlm demo: ${workers} worker processes each increment one shared counter ${increments} times (read, then write),`,
      );
      io.out(
        `each increment under the lock \`${DEMO_RESOURCE}\` (${DEMO_LEASE_SECONDS} s lease), on dynalite at ${local.endpoint}`,
      );
      if (crashAt !== undefined) {
        io.out(
          `the worker holding the lock when the counter reaches ${crashAt} is killed: the others wait for its lease to run out, then take over`,
        );
      }

      const done = new Array<number>(workers).fill(0);
      const holds: Hold[][] = Array.from({ length: workers }, () => []);
      const counts: (WorkerCounts | undefined)[] = new Array(workers).fill(undefined);
      const crashed = new Array<boolean>(workers).fill(false);
      let running = workers;
      const progress = createProgress(
        io,
        () => total,
        () => sum(done),
        () => progressLine(sum(done), total, workers, running),
      );
      const exits = Array.from({ length: workers }, (_, worker) => {
        const child = spawnWorker(local.endpoint, worker, increments, crashAt);
        createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
          const message = parseMessage(line);
          if (message === undefined) return;
          if (message.type === 'progress') {
            done[worker] = message.done;
            holds[worker]?.push(message.hold);
            progress.update();
          } else {
            const { type, ...rest } = message;
            if (type === 'crash') {
              holds[worker]?.push(message.hold);
              crashed[worker] = true;
              total -= increments - (done[worker] ?? 0);
            }
            counts[worker] = {
              attempts: rest.attempts,
              waits: rest.waits,
              staleWrites: rest.staleWrites,
              takeovers: rest.takeovers,
            };
          }
        });
        return new Promise<number | null>((resolve) => {
          child.once('error', () => resolve(null));
          child.once('close', (code) => {
            running--;
            progress.update();
            resolve(code);
          });
        });
      });
      const codes = await Promise.all(exits);
      progress.stop();

      const out = await local.client.send(
        new GetItemCommand({ TableName: DATA_TABLE, Key: { resource_id: { S: COUNTER_KEY } }, ConsistentRead: true }),
      );
      const counter = Number(out.Item?.value?.N ?? '0');
      const reports: WorkerReport[] = [];
      holds.forEach((h, worker) => {
        const c = counts[worker];
        if (c !== undefined) reports.push({ worker, holds: h, crashed: crashed[worker] === true, ...c });
      });
      const summary = summarize(reports, counter, sum(done));
      for (const line of formatSummary(summary, Date.now() - started)) io.out(line);
      // Every worker must have finished normally, except the one told to crash, which must have crashed.
      const failed = codes.filter((code, worker) => (crashed[worker] ? code !== null : code !== 0)).length;
      if (failed > 0 || reports.length !== workers || (crashAt !== undefined && summary.crashed !== 1)) {
        io.err(`${PREFIX} ${failed} worker(s) failed; ${reports.length} of ${workers} reported`);
        return EXIT.ERROR;
      }
      if (summary.violations > 0) {
        io.err(`${PREFIX} mutual exclusion was violated ${summary.violations} time(s)`);
        return EXIT.ERROR;
      }
      return EXIT.OK;
    } finally {
      await local.stop();
    }
  },
});

function spawnWorker(endpoint: string, worker: number, increments: number, crashAt: number | undefined): ChildProcess {
  const env: Record<string, string | undefined> = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
  };
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  return spawn(
    process.execPath,
    [
      MAIN_SCRIPT,
      DEMO_WORKER_COMMAND,
      '--endpoint',
      endpoint,
      '--table',
      LOCK_TABLE,
      '--data-table',
      DATA_TABLE,
      '--worker',
      String(worker),
      '--increments',
      String(increments),
      ...(crashAt === undefined ? [] : ['--crash-at', String(crashAt)]),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env },
  );
}

function parseMessage(line: string): WorkerMessage | undefined {
  try {
    return JSON.parse(line) as WorkerMessage;
  } catch {
    return undefined;
  }
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** A live line on a terminal; elsewhere a line at each quarter, so that logs stay short. */
function createProgress(
  io: Io,
  total: () => number,
  done: () => number,
  line: () => string,
): { update(): void; stop(): void } {
  if (io.stderrIsTTY) {
    const timer = setInterval(() => io.errRaw(`\r\x1b[K${line()}`), 100);
    return {
      update: () => undefined,
      stop: () => {
        clearInterval(timer);
        io.errRaw(`\r\x1b[K${line()}\n`);
      },
    };
  }
  let quarter = 0;
  return {
    update: () => {
      const q = Math.floor((4 * done()) / Math.max(1, total()));
      if (q > quarter) {
        quarter = q;
        io.err(line());
      }
    },
    stop: () => {
      if (quarter < 4) io.err(line());
    },
  };
}
