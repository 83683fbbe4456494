/** The CLI on 'slots' tables (Python dynamo-dlm 2.x): create-table, run --concurrency, status, list, release --slot. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DynamoDbLock } from '../../src/index.js';
import { clientFor, dynalite, freshTable } from '../support/backends.js';
import { runCli } from './cli-process.js';
import { runMain } from './fake-io.js';

const backend = dynalite();
const client = clientFor(backend);
let table: string;
let dir: string;
const conn = (): string[] => ['--endpoint', backend.endpoint, '--table', table];
const slotsConn = (): string[] => [...conn(), '--table-layout', 'slots'];
const hold = (id: string, concurrency = 3) =>
  new DynamoDbLock(id, {
    client,
    tableName: table,
    tableLayout: 'slots',
    concurrency,
    duration: 30,
    logger: false,
    owner: 'slot-holder',
  });

beforeAll(async () => {
  table = await freshTable(client, 'cli_slots', 'slots');
  dir = mkdtempSync(join(tmpdir(), 'dynamo-dlm-cli-slots-'));
});
afterAll(() => {
  client.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('dynamo-dlm on a slots table', () => {
  test('create-table --table-layout slots adds the sort key concurrency_id (Number)', async () => {
    const name = `cli_slots_created_${process.pid}_${Date.now().toString(36)}`;
    const result = await runMain([
      'create-table',
      '--endpoint',
      backend.endpoint,
      '--table',
      name,
      '--table-layout',
      'slots',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`created ${name}`);
    expect(result.stdout).toContain('layout slots');
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'resource_id', KeyType: 'HASH' },
      { AttributeName: 'concurrency_id', KeyType: 'RANGE' },
    ]);
    // Asking for the other layout of an existing table says which it has.
    const wrong = await runMain(['create-table', '--endpoint', backend.endpoint, '--table', name]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/tableLayout 'slots'/);
  });

  test('status shows every slot and its holder, with or without --table-layout; --concurrency adds the free slots', async () => {
    const holders = [hold('jobs'), hold('jobs')];
    for (const h of holders) await h.acquire();
    try {
      for (const flags of [slotsConn(), conn()]) {
        const text = await runMain(['status', 'jobs', ...flags, '--concurrency', '3']);
        expect(text.code, text.stderr).toBe(0);
        const lines = text.stdout.trim().split('\n');
        expect(lines[0]).toBe('jobs: 2 of 3 slots held');
        expect(lines[1]).toMatch(
          /^ {2}jobs slot 0: held by slot-holder \([0-9a-f]{8}\) until .* \(\d+ s left\), fencing token \d+$/,
        );
        expect(lines[2]).toMatch(/^ {2}jobs slot 1: held by slot-holder \([0-9a-f]{8}\) until /);
        expect(lines[3]).toBe('  jobs slot 2: free (no lock item)');
      }
      const json = await runMain(['status', 'jobs', ...slotsConn(), '--json']);
      const parsed = JSON.parse(json.stdout) as { held: number; slots: { slot: number; state: string }[] };
      expect(parsed.held).toBe(2);
      expect(parsed.slots.map((s) => [s.slot, s.state])).toEqual([
        [0, 'held'],
        [1, 'held'],
      ]);
      const listed = await runMain(['list', ...conn()]);
      expect(listed.stdout.split('\n')[0]).toMatch(/^RESOURCE\s+SLOT\s+STATE\s+OWNER\s+HOLDER/);
      expect(listed.stdout).toMatch(/\njobs\s+0\s+held\s+slot-holder\s+[0-9a-f]{8}/);
      expect(listed.stdout).toMatch(/\njobs\s+1\s+held\s+slot-holder\s+[0-9a-f]{8}/);
    } finally {
      for (const h of holders) await h.release();
    }
  });

  test('run --concurrency 2: two copies at once, the third waits; each gets its slot in DYNAMO_DLM_SLOT', async () => {
    const log = join(dir, 'slots.log');
    const child = [
      process.execPath,
      '-e',
      `const fs = require('fs');
       const now = () => Number(process.hrtime.bigint()) / 1e6; // one clock for every process
       const s = now();
       setTimeout(() => fs.appendFileSync(process.argv[1], JSON.stringify({ s, e: now(),
         slot: process.env.DYNAMO_DLM_SLOT, t: process.env.DYNAMO_DLM_FENCING_TOKEN }) + '\\n'), 800);`,
      log,
    ];
    const runs = [1, 2, 3].map(() =>
      runCli(['run', 'nightly', ...slotsConn(), '--concurrency', '2', '--duration', '3', '--', ...child]),
    );
    const results = await Promise.all(runs);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    const holds = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { s: number; e: number; slot: string; t: string })
      .sort((a, b) => a.s - b.s);
    expect(holds).toHaveLength(3);
    expect(new Set(holds.map((h) => h.slot))).toEqual(new Set(['0', '1']));
    // The first two ran side by side; the third only after one of them ended.
    expect(holds[1]!.s).toBeLessThan(holds[0]!.e);
    expect(holds[2]!.s).toBeGreaterThanOrEqual(Math.min(holds[0]!.e, holds[1]!.e));
  });

  test('run --concurrency above 1 on a single table is a usage error naming the fix; --no-wait exits 75 when every slot is held', async () => {
    const single = await runMain(['run', 'x', ...conn(), '--concurrency', '2', '--', 'true']);
    expect(single.code).toBe(2);
    expect(single.stderr).toMatch(/--table-layout slots/);
    const bad = await runMain(['run', 'x', ...slotsConn(), '--concurrency', '0', '--', 'true']);
    expect(bad.code).toBe(2);
    const holders = [hold('full', 2), hold('full', 2)];
    for (const h of holders) await h.acquire();
    try {
      const result = await runMain(['run', 'full', ...slotsConn(), '--concurrency', '2', '--no-wait', '--', 'true']);
      expect(result.code).toBe(75);
      // Waiting with --verbose names the holder whose lease ends first (a Query of the slots).
      const waited = await runMain([
        'run',
        'full',
        ...slotsConn(),
        '--concurrency',
        '2',
        '--timeout',
        '1',
        '--verbose',
        '--',
        'true',
      ]);
      expect(waited.code).toBe(124);
      expect(waited.stderr).toMatch(/waiting for `full`: held by slot-holder \([0-9a-f]{8}, token \d+\) until /);
    } finally {
      for (const h of holders) await h.release();
    }
  });

  test('run --elect works on a slots table (the leader holds slot 0) and refuses --concurrency', async () => {
    const result = await runMain(['run', 'leader', ...slotsConn(), '--elect', '--', 'true']);
    expect(result.code, result.stderr).toBe(0);
    const both = await runMain(['run', 'leader', ...slotsConn(), '--elect', '--concurrency', '2', '--', 'true']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--elect has one leader');
  });

  test('release --force --slot N evicts that slot only; a slots table needs --slot', async () => {
    const holders = [hold('evict'), hold('evict')];
    for (const h of holders) await h.acquire();
    try {
      const missing = await runMain(['release', '--force', '--yes', 'evict', ...slotsConn()]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('--slot N');
      const result = await runMain(['release', '--force', '--yes', 'evict', ...slotsConn(), '--slot', '1']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('released evict slot 1 (was held by');
      const status = await runMain(['status', 'evict', ...slotsConn()]);
      expect(status.stdout).toMatch(/evict slot 0: held by/);
      expect(status.stdout).toMatch(/evict slot 1: free \(released by release --force/);
      expect(holders[0]!.locked()).toBe(true);
    } finally {
      await holders[0]!.release();
      await holders[1]!.release().catch(() => undefined);
    }
  });
});
