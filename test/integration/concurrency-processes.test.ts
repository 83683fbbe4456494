/**
 * `concurrency` across processes, counted: Node workers alone, and Node workers contending with
 * a minimal Python dynamo-dlm 2.x client (test/fixtures/python2_worker.py) on one 'slots' table.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { backends, clientFor, freshTable } from '../support/backends.js';
import {
  countHolders,
  ensureBuilt,
  fixture,
  type Holding,
  pythonWithBoto3,
  runWorker,
  slotOverlaps,
} from '../support/processes.js';

const python = pythonWithBoto3();

describe.each(backends())('concurrency across processes on $name', (backend) => {
  const client = clientFor(backend);
  let tableName: string;
  const env = () => ({ DLM_ENDPOINT: backend.endpoint, DLM_TABLE: tableName });
  const node = (id: string, concurrency: number, iterations: number) =>
    runWorker(process.execPath, [fixture('slots-worker.mjs'), id, String(concurrency), String(iterations)], env());

  beforeAll(async () => {
    ensureBuilt();
    tableName = await freshTable(client, 'slotprocs', 'slots');
  });
  afterAll(() => client.destroy());

  test('concurrency 3, 8 processes: never more than 3 holders at once, no slot held twice, and 3 reached', async () => {
    const runs = await Promise.all(Array.from({ length: 8 }, () => node('eight', 3, 6)));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const holdings = runs.flatMap((r) => r.events as unknown as Holding[]);
    expect(holdings).toHaveLength(48);
    const { most, excess } = countHolders(holdings, 3);
    expect(excess).toBe(0);
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThanOrEqual(2);
    expect(slotOverlaps(holdings)).toBe(0);
    expect(new Set(holdings.map((h) => h.slot))).toEqual(new Set([0, 1, 2]));
  }, 120_000);

  test.runIf(python !== undefined || process.env.CI !== undefined)(
    'Python 2.x interop: 3 Python and 3 Node processes, concurrency 2 on one table: 0 excess holders, slot by slot',
    async () => {
      // CI installs python3-boto3 (.ci/run): there a missing Python is a failure, never a skip.
      expect(python, 'a python3 with boto3 (apt-get install python3-boto3, or set DLM_PYTHON)').toBeDefined();
      const py = (id: string) => runWorker(python as string, [fixture('python2_worker.py'), id, '2', '6'], env());
      const runs = await Promise.all([
        py('mixed'),
        py('mixed'),
        py('mixed'),
        node('mixed', 2, 6),
        node('mixed', 2, 6),
        node('mixed', 2, 6),
      ]);
      for (const run of runs) expect(run.code, run.stderr).toBe(0);
      // Neither side ever found its lease taken before release.
      for (const run of runs) expect(run.stderr).not.toMatch(/WARNING/);
      const holdings = runs.flatMap((r) => r.events as unknown as (Holding & { who: string })[]);
      expect(holdings).toHaveLength(36);
      expect(new Set(holdings.map((h) => h.who))).toEqual(new Set(['python', 'node']));
      const { most, excess } = countHolders(holdings, 2);
      expect(excess).toBe(0);
      expect(most).toBeLessThanOrEqual(2);
      expect(slotOverlaps(holdings)).toBe(0);
      // Both sides held both slots at some point: they really shared them.
      for (const who of ['python', 'node']) {
        expect(new Set(holdings.filter((h) => h.who === who).map((h) => h.slot))).toEqual(new Set([0, 1]));
      }
    },
    120_000,
  );
});
