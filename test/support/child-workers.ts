import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const root = fileURLToPath(new URL('../..', import.meta.url));

/** Child processes import `dist/`: build it when it is missing or older than `src/`. */
export function ensureBuilt(): void {
  const built = join(root, 'dist', 'index.js');
  // Every .ts file under src/, folders included: a change anywhere must rebuild dist/, and
  // a README alone must not (it would rebuild dist/ under running child processes).
  const sources = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) =>
    f.endsWith('.ts'),
  );
  const newestSource = Math.max(...sources.map((f) => statSync(join(root, 'src', f)).mtimeMs));
  if (existsSync(built) && statSync(built).mtimeMs >= newestSource) return;
  const tsc = join(root, 'node_modules', '.bin', 'tsc');
  const result = spawnSync(tsc, ['-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  if (!existsSync(built)) throw new Error(`building dist/ failed:\n${result.stdout}${result.stderr}`);
}

/** The system-wide monotonic clock, ms: the same time line as the workers' `sharedNow()`. */
export const sharedNow = (): number => Number(process.hrtime.bigint()) / 1e6;

export type WorkerEvent = Record<string, unknown>;

/** How a worker ended. */
export interface WorkerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/** A running fixture process: its pid, the JSON lines it has printed so far, and its end. */
export interface ChildWorker {
  readonly pid: number;
  readonly events: WorkerEvent[];
  readonly done: Promise<WorkerExit>;
  /** Resolves with the first event (from index `from` on) for which `match` holds. */
  next(match: (event: WorkerEvent) => boolean, timeoutMs?: number, from?: number): Promise<WorkerEvent>;
  /** Sends a signal; false if the process is gone. */
  kill(signal: NodeJS.Signals): boolean;
}

/** Starts `test/fixtures/<script>` with Node, parsing one JSON object per stdout line. */
export function startWorker(script: string, args: readonly string[], env: Record<string, string>): ChildWorker {
  const child = spawn(process.execPath, [join(root, 'test', 'fixtures', script), ...args], {
    cwd: root,
    env: { ...process.env, NODE_NO_WARNINGS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: WorkerEvent[] = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line !== '') events.push(JSON.parse(line));
      newline = buffer.indexOf('\n');
    }
    for (const wake of waiters) wake();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<WorkerExit>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
  const next = (match: (event: WorkerEvent) => boolean, timeoutMs = 20_000, from = 0) =>
    new Promise<WorkerEvent>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no matching event from ${script}; saw ${JSON.stringify(events)}; stderr: ${stderr}`));
      }, timeoutMs);
      function check(): void {
        const found = events.slice(from).find(match);
        if (found === undefined) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(found);
      }
      waiters.add(check);
      check();
    });
  const kill = (signal: NodeJS.Signals): boolean => {
    try {
      return child.kill(signal);
    } catch {
      return false;
    }
  };
  return { pid: child.pid!, events, done, next, kill };
}
