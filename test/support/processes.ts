import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { root } from './child-workers.js';

export { ensureBuilt, root } from './child-workers.js';

/** A fixture's path in the repository. */
export const fixture = (name: string): string => join(root, 'test', 'fixtures', name);

/** How a worker process ended, and the JSON lines it printed. */
export interface WorkerRun {
  readonly code: number | null;
  readonly events: Record<string, unknown>[];
  readonly stderr: string;
}

/** Runs `command args` with `env` added, collecting its JSON lines until it exits. */
export function runWorker(command: string, args: string[], env: Record<string, string>): Promise<WorkerRun> {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve) => {
    child.on('close', (code) => {
      const events = stdout
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      resolve({ code, events, stderr });
    });
  });
}

/** One holding of a lock slot, as a worker reported it (wall ms, comparable across processes). */
export interface Holding {
  readonly start: number;
  readonly end: number;
  readonly slot: number;
}

/**
 * The most holdings in progress at any instant (an end at the same instant as a start counts
 * first), and how many starts found `limit` or more already in progress.
 */
export function countHolders(holdings: readonly Holding[], limit: number): { most: number; excess: number } {
  const edges = holdings.flatMap((h) => [
    { at: h.start, step: 1 },
    { at: h.end, step: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.step - b.step);
  let now = 0;
  let most = 0;
  let excess = 0;
  for (const e of edges) {
    if (e.step > 0 && now >= limit) excess++;
    now += e.step;
    most = Math.max(most, now);
  }
  return { most, excess };
}

/** Pairs of holdings of one slot that overlapped in time. */
export function slotOverlaps(holdings: readonly Holding[]): number {
  let overlaps = 0;
  for (const slot of new Set(holdings.map((h) => h.slot))) {
    const mine = holdings.filter((h) => h.slot === slot).sort((a, b) => a.start - b.start);
    for (let i = 1; i < mine.length; i++) if ((mine[i] as Holding).start < (mine[i - 1] as Holding).end) overlaps++;
  }
  return overlaps;
}

/**
 * A Python 3 with boto3 for the interop tests: `DLM_PYTHON`, else `python3` on the PATH.
 * Undefined when there is none (.ci/run installs Debian's python3-boto3, so CI always has one).
 */
export function pythonWithBoto3(): string | undefined {
  const python = process.env.DLM_PYTHON ?? 'python3';
  const probe = spawnSync(python, ['-c', 'import boto3'], { encoding: 'utf8' });
  return probe.status === 0 ? python : undefined;
}
