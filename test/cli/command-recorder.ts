import { existsSync, readFileSync } from 'node:fs';
import { waitFor } from './cli-process.js';

/**
 * A command that records into `log` (JSON lines) its start, a beat every 50 ms while it runs,
 * and SIGTERM, with its pid and fencing token. It exits 143 on SIGTERM, or ignores it with
 * `ignore`; with a number N it exits N by itself after 400 ms.
 */
export function recorder(log: string, mode: 'exit-on-term' | 'ignore' | number = 'exit-on-term'): string[] {
  return [
    process.execPath,
    '-e',
    `const fs = require('fs');
     const [log, mode] = process.argv.slice(1);
     const rec = (k) => fs.appendFileSync(log, JSON.stringify({ pid: process.pid, k, t: Date.now(),
       token: process.env.DYNAMO_DLM_FENCING_TOKEN, resource: process.env.DYNAMO_DLM_RESOURCE }) + '\\n');
     // The handler before the start line: a test that signals as soon as it reads the start
     // must find it installed, however late the scheduler lets this process go on.
     process.on('SIGTERM', () => { rec('term'); if (mode !== 'ignore') process.exit(143); });
     rec('start');
     setInterval(() => rec('beat'), 50);
     if (/^\\d+$/.test(mode)) setTimeout(() => { rec('exit'); process.exit(Number(mode)); }, 400);`,
    log,
    String(mode),
  ];
}

/** One command's run: from its start to the last sign of life it recorded. */
export interface Span {
  readonly pid: number;
  readonly token: bigint;
  readonly resource: string;
  readonly start: number;
  readonly end: number;
  readonly termed: boolean;
}

export function spans(log: string): Span[] {
  if (!existsSync(log)) return [];
  const byPid = new Map<number, { token: string; resource: string; ts: number[]; termed: boolean }>();
  for (const line of readFileSync(log, 'utf8').trim().split('\n')) {
    if (line === '') continue;
    const r = JSON.parse(line) as { pid: number; k: string; t: number; token: string; resource: string };
    const s = byPid.get(r.pid) ?? { token: r.token, resource: r.resource, ts: [], termed: false };
    s.ts.push(r.t);
    if (r.k === 'term') s.termed = true;
    byPid.set(r.pid, s);
  }
  return [...byPid.entries()]
    .map(([pid, s]) => ({
      pid,
      token: BigInt(s.token),
      resource: s.resource,
      start: Math.min(...s.ts),
      end: Math.max(...s.ts),
      termed: s.termed,
    }))
    .sort((a, b) => a.start - b.start);
}

/** How many commands started before the one before them had stopped. */
export function overlaps(list: readonly Span[]): number {
  let count = 0;
  for (let i = 1; i < list.length; i++) if ((list[i] as Span).start < (list[i - 1] as Span).end) count++;
  return count;
}

/** Waits until `n` commands have started (recorded in `log`), and returns them. */
export function commands(log: string, n: number, ms = 20_000): Promise<Span[]> {
  return waitFor(`${n} command(s) in ${log}`, () => (spans(log).length >= n ? spans(log) : undefined), ms);
}
