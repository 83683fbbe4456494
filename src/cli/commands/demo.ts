import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createLockTable } from '../../table.js';
import { startLocalDynamo } from '../../testing.js';
import { expectPositionals, HELP_OPTION, parseCommandLine, parseInteger } from '../args.js';
import type { Command } from '../command.js';
import { formatSummary, summarize, type WorkerReport } from '../demo-check.js';
import { EXIT } from '../exit-codes.js';
import { HELP } from '../help.js';
import { type Io, PREFIX } from '../io.js';
import { COUNTER_KEY, DEMO_RESOURCE, DEMO_WORKER_COMMAND, type WorkerMessage } from './demo-worker.js';

const OPTIONS = { ...HELP_OPTION, workers: { type: 'string' }, increments: { type: 'string' } } as const;

const LOCK_TABLE = 'dynamo_dlm_locks';
const DATA_TABLE = 'dynamo_dlm_demo_data';
const MAIN_SCRIPT = fileURLToPath(new URL('../main.js', import.meta.url));

/** The live progress line. Pure. */
export function progressLine(done: number, total: number, workers: number, running: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} increments, ${running} of ${workers} workers running`;
}

/** `dynamo-dlm demo`: workers contend for one lock on an embedded DynamoDB; the verdict is computed. */
export const demoCommand: Command = async (args, io) => {
  const { values, positionals } = parseCommandLine('demo', args, OPTIONS);
  if (values.help === true) {
    io.out(HELP.demo ?? '');
    return EXIT.OK;
  }
  expectPositionals('demo', positionals, []);
  const workers = parseInteger('demo', 'workers', values.workers, 1, 16) ?? 4;
  const increments = parseInteger('demo', 'increments', values.increments, 1, 1000) ?? 50;
  const total = workers * increments;
  const started = Date.now();

  const local = await startLocalDynamo({ tableName: LOCK_TABLE });
  try {
    await createLockTable({ client: local.client, tableName: DATA_TABLE });
    io.out(
      `dynamo-dlm demo: ${workers} worker processes each increment one shared counter ${increments} times (read, then write),`,
    );
    io.out(`each increment under the lock \`${DEMO_RESOURCE}\`, on dynalite at ${local.endpoint}`);

    const done = new Array<number>(workers).fill(0);
    const reports: WorkerReport[] = [];
    let running = workers;
    const progress = createProgress(
      io,
      total,
      () => sum(done),
      () => progressLine(sum(done), total, workers, running),
    );
    const exits = Array.from({ length: workers }, (_, worker) => {
      const child = spawnWorker(local.endpoint, worker, increments);
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        const message = parseMessage(line);
        if (message?.type === 'progress') {
          done[worker] = message.done;
          progress.update();
        } else if (message?.type === 'report') {
          const { type: _type, ...report } = message;
          reports.push(report);
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
    const summary = summarize(reports, counter, total);
    for (const line of formatSummary(summary, Date.now() - started)) io.out(line);
    const failed = codes.filter((c) => c !== 0).length;
    if (failed > 0 || reports.length !== workers) {
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
};

function spawnWorker(endpoint: string, worker: number, increments: number): ChildProcess {
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
  total: number,
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
      const q = Math.floor((4 * done()) / Math.max(1, total));
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
