/**
 * Transactions across processes, on servers that have them: a holder frozen with SIGSTOP past
 * its lease never commits a lock-checked write after it was replaced, round after round; and
 * overlapping multi-locks, single locks and a Python 1.x client on the same ids exclude one
 * another (checked by a witness outside the lock), never deadlock, and all progress.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DynamoDbLock } from '../../src/index.js';
import { countOf } from '../fixtures/witness.mjs';
import { clientFor, freshDataTable, freshTable, transactionBackends } from '../support/backends.js';
import { startWorker } from '../support/child-workers.js';
import { ensureBuilt, fixture, pythonWithBoto3, runWorker, slotOverlaps } from '../support/processes.js';
import { delay } from './helpers.js';

const python = pythonWithBoto3();

describe.each(transactionBackends())('transactions across processes on $name', (backend) => {
  const client = clientFor(backend);
  let tableName: string;
  let data: string;
  let dir: string;
  const env = () => ({ DLM_ENDPOINT: backend.endpoint, DLM_TABLE: tableName });

  beforeAll(async () => {
    ensureBuilt();
    tableName = await freshTable(client, 'txprocs');
    data = await freshDataTable(client, 'procdata');
    dir = mkdtempSync(join(tmpdir(), 'dlm-tx-'));
  });
  afterAll(() => {
    client.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a holder paused past its lease and replaced commits no write, over 8 rounds: each is refused by the check and reported lost', async () => {
    const rounds = 8;
    const holder = startWorker('checked-holder.mjs', ['paused', data, String(rounds)], env());
    try {
      for (let round = 1; round <= rounds; round++) {
        const acquired = await holder.next((e) => e.event === 'acquired' && e.round === round);
        holder.kill('SIGSTOP');
        const stopped = performance.now();
        // Another process takes the lock over once the frozen holder's lease has ended.
        const taker = new DynamoDbLock('paused', {
          client,
          tableName,
          logger: false,
          clockSkewAllowance: 0,
          owner: 'taker',
        });
        expect(await taker.acquire({ timeout: 10 })).toBe(true);
        expect(taker.tookOver).toBe(true);
        expect(taker.fencingToken).toBeGreaterThan(acquired.token as number);
        await taker.transactWrite([
          {
            Update: {
              TableName: data,
              Key: { id: { S: 'paused' } },
              UpdateExpression: 'SET #log = list_append(if_not_exists(#log, :empty), :entry)',
              ExpressionAttributeNames: { '#log': 'log' },
              ExpressionAttributeValues: { ':empty': { L: [] }, ':entry': { L: [{ S: `taker ${round}` }] } },
            },
          },
        ]);
        // A pause the holder cannot miss (it watches for a jump of 300 ms), however soon the lease ended.
        await delay(Math.max(0, stopped + 800 - performance.now()));
        holder.kill('SIGCONT');
        const done = await holder.next((e) => e.event === 'round' && e.round === round);
        // The holder woke before its lock noticed anything, wrote, and the lock's own check in the
        // transaction refused it: lost, taken by the taker.
        expect(done).toMatchObject({
          noticedBefore: false,
          outcome: 'lost:taken:taker',
          refusedBy: 'TransactionCanceledException',
          lostAfter: true,
        });
        expect(done.release).toBe('LockLostError');
        await taker.release();
      }
      expect((await holder.done).code).toBe(0);
    } finally {
      holder.kill('SIGCONT');
      holder.kill('SIGKILL');
    }
    const item = await client.send(
      new GetItemCommand({ TableName: data, Key: { id: { S: 'paused' } }, ConsistentRead: true }),
    );
    const log = (item.Item?.log?.L ?? []).map((entry) => entry.S);
    // Each round: the holder's write before the pause, then the taker's; never a stale one.
    expect(log).toEqual(Array.from({ length: rounds }, (_, i) => [`holder ${i + 1} before`, `taker ${i + 1}`]).flat());
    expect(log.filter((entry) => entry?.includes('after the pause'))).toHaveLength(0);
  }, 120_000);

  test.runIf(python !== undefined || process.env.CI !== undefined)(
    'multi-locks [a,b], [b,c], [c,a], single locks on a, b, c and Python 1.x on c: 0 overlaps, 0 deadlocks, all progress',
    async () => {
      expect(python, 'a python3 with boto3 (apt-get install python3-boto3, or set DLM_PYTHON)').toBeDefined();
      const witness = mkdtempSync(join(dir, 'witness-'));
      const iterations = 10;
      const node = (ids: string) =>
        runWorker(process.execPath, [fixture('multi-worker.mjs'), ids, String(iterations), witness], env());
      const runs = await Promise.all([
        node('a,b'),
        node('b,c'),
        node('c,a'),
        node('a'),
        node('b'),
        node('c'),
        runWorker(python as string, [fixture('python1_worker.py'), 'c', String(iterations), witness], env()),
      ]);
      for (const run of runs) expect(run.code, run.stderr).toBe(0);
      // Python's release never found its lease taken; nobody saw the witness marked by another.
      for (const run of runs) expect(run.stderr).not.toMatch(/WARNING/);
      const summaries = runs.map((r) => r.events.find((e) => e.summary === true));
      for (const s of summaries) expect(s).toMatchObject({ overlaps: 0, iterations });
      // Every process finished all its holdings: no deadlock, nobody starved.
      const holdings = runs.flatMap((r) =>
        (r.events as { ids?: string[]; start?: number; end?: number; who?: string }[]).filter(
          (e) => e.start !== undefined,
        ),
      );
      expect(holdings).toHaveLength(7 * iterations);
      expect(new Set(holdings.map((h) => h.who))).toEqual(new Set(['multi', 'single', 'python']));
      // Per resource: no two holdings overlapped in time, and the witness counted each one.
      for (const id of ['a', 'b', 'c']) {
        const mine = holdings
          .filter((h) => h.ids?.includes(id))
          .map((h) => ({ start: h.start as number, end: h.end as number, slot: 0 }));
        expect(mine).toHaveLength(id === 'c' ? 4 * iterations : 3 * iterations);
        expect(slotOverlaps(mine)).toBe(0);
        expect(countOf(witness, id)).toBe(mine.length);
      }
    },
    180_000,
  );
});
