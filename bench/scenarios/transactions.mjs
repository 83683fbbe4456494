// Scenario 'tx' (--only=tx): lock-checked writes and multi-resource locks, on DynamoDB Local
// (dynalite has no transactions), started by this scenario.
// 1. cycle: a DynamoDbMultiLock on [a, b] (acquire + release) against two DynamoDbLocks taken in
//    order (a, then b) and released, interleaved in blocks (ABAB...) on one client and server.
//    Requests per cycle by operation and the items they carry (counted by a middleware on the
//    client), the write and read units DynamoDB bills for them, and the ratio of median latencies.
// 2. paused: a holder in a separate process (test/fixtures/checked-holder.mjs) is frozen with
//    SIGSTOP past its lease, replaced by a taker here, resumed, and sends its lock-checked write
//    before its lock notices anything: stale writes committed, counted in the data item's log.
// 3. mix: multi-locks [a,b], [b,c], [c,a], single locks on a, b, c and a Python 1.x client on c
//    (test/fixtures/multi-worker.mjs, python1_worker.py), each a separate process, under the file
//    witness: overlaps, holdings, and how long each process took for all of its holdings.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbLock, DynamoDbMultiLock } from '../../dist/index.js';
import { startDynamoDbLocal } from '../lib/backends.mjs';
import { freshTable, makeClient } from '../lib/server.mjs';
import { quantile, round, summary } from '../lib/stats.mjs';

const FIXTURES = new URL('../../test/fixtures/', import.meta.url);
const FULL = { blocks: 30, blockSize: 20, rounds: 50, iterations: 30 };
const QUICK = { blocks: 6, blockSize: 10, rounds: 8, iterations: 8 };

/**
 * Units DynamoDB bills per request, for items under 1 KB (every lock item): a single write 1
 * write unit; a transaction 2 write units per item it writes (a ConditionCheck bills as a write
 * of its item); a strongly consistent read 1 read unit per item (under 4 KB). On-demand prices
 * in us-east-1: $0.625 per million write units, $0.125 per million read units.
 */
function units(op, input) {
  if (op === 'TransactWriteItems') return { wcu: 2 * input.TransactItems.length, rcu: 0 };
  if (op === 'BatchGetItem') {
    const keys = Object.values(input.RequestItems).reduce((n, r) => n + r.Keys.length, 0);
    return { wcu: 0, rcu: keys };
  }
  if (op === 'GetItem') return { wcu: 0, rcu: 1 };
  return { wcu: 1, rcu: 0 };
}

/** Counts every request the client sends, by operation, with the units DynamoDB bills for it. */
function counting(client) {
  const counts = { requests: {}, wcu: 0, rcu: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const op = context.commandName.replace(/Command$/, '');
      counts.requests[op] = (counts.requests[op] ?? 0) + 1;
      const u = units(op, args.input);
      counts.wcu += u.wcu;
      counts.rcu += u.rcu;
      return next(args);
    },
    { step: 'initialize', name: 'benchCounter' },
  );
  return {
    take() {
      const out = structuredClone(counts);
      counts.requests = {};
      counts.wcu = 0;
      counts.rcu = 0;
      return out;
    },
  };
}

async function cycle(endpoint, { blocks, blockSize }) {
  const client = makeClient(endpoint);
  const meter = counting(client);
  const tableName = await freshTable(client, 'tx_cycle');
  const options = { client, tableName, logger: false };
  const multi = new DynamoDbMultiLock(['cycle-a', 'cycle-b'], options);
  const a = new DynamoDbLock('cycle-a', options);
  const b = new DynamoDbLock('cycle-b', options);
  const arms = {
    multiLock: async () => {
      await multi.acquire();
      await multi.release();
    },
    twoSingleLocks: async () => {
      await a.acquire();
      await b.acquire();
      await a.release();
      await b.release();
    },
  };
  const names = Object.keys(arms);
  // DynamoDB Local is a JVM: warm it up on both arms first.
  for (let i = 0; i < 200; i++) for (const n of names) await arms[n]();
  meter.take();
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  const totals = Object.fromEntries(names.map((n) => [n, { requests: {}, wcu: 0, rcu: 0 }]));
  const ratios = [];
  for (let k = 0; k < blocks; k++) {
    const medians = {};
    for (const n of k % 2 === 0 ? names : [...names].reverse()) {
      const block = [];
      for (let i = 0; i < blockSize; i++) {
        const t0 = performance.now();
        await arms[n]();
        block.push(performance.now() - t0);
      }
      const c = meter.take();
      for (const [op, count] of Object.entries(c.requests))
        totals[n].requests[op] = (totals[n].requests[op] ?? 0) + count;
      totals[n].wcu += c.wcu;
      totals[n].rcu += c.rcu;
      samples[n].push(...block);
      medians[n] = quantile(block, 0.5);
    }
    ratios.push(medians.multiLock / medians.twoSingleLocks);
  }
  client.destroy();
  const cycles = blocks * blockSize;
  const per = (n) => {
    const t = totals[n];
    const requests = Object.fromEntries(Object.entries(t.requests).map(([op, c]) => [op, round(c / cycles)]));
    const wcu = t.wcu / cycles;
    const rcu = t.rcu / cycles;
    return {
      ms: summary(samples[n]),
      requests,
      requestsTotal: round(Object.values(t.requests).reduce((x, y) => x + y, 0) / cycles),
      writeUnits: round(wcu),
      readUnits: round(rcu),
      dollarsPerMillionCycles: round(wcu * 0.625 + rcu * 0.125, 4),
    };
  };
  return {
    cycles,
    blockSize,
    multiLock: per('multiLock'),
    twoSingleLocks: per('twoSingleLocks'),
    latencyRatio: round(quantile(samples.multiLock, 0.5) / quantile(samples.twoSingleLocks, 0.5), 3),
    blockRatio: summary(ratios),
  };
}

/** Runs a fixture as a child, collecting its JSON lines; `next(match)` waits for one. */
function child(command, args, env) {
  const proc = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const events = [];
  const waiters = new Set();
  let buffer = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk) => {
    buffer += chunk;
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const line = buffer.slice(0, i).trim();
      buffer = buffer.slice(i + 1);
      if (line !== '') events.push(JSON.parse(line));
    }
    for (const w of waiters) w();
  });
  proc.stderr.setEncoding('utf8').on('data', (chunk) => {
    stderr += chunk;
  });
  const done = new Promise((resolve) => proc.on('close', (code) => resolve({ code, events, stderr })));
  const next = (match, timeoutMs = 30_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tx bench: no matching event; stderr: ${stderr}`)), timeoutMs);
      const check = () => {
        const found = events.find(match);
        if (found === undefined) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(found);
      };
      waiters.add(check);
      check();
    });
  return { proc, events, done, next };
}

async function dataTable(client) {
  const TableName = `bench_tx_data_${Date.now().toString(36)}`;
  await client.send(
    new CreateTableCommand({
      TableName,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return TableName;
}

const logEntry = (table, round) => ({
  Update: {
    TableName: table,
    Key: { id: { S: 'paused' } },
    UpdateExpression: 'SET #log = list_append(if_not_exists(#log, :empty), :entry)',
    ExpressionAttributeNames: { '#log': 'log' },
    ExpressionAttributeValues: { ':empty': { L: [] }, ':entry': { L: [{ S: `taker ${round}` }] } },
  },
});

async function paused(endpoint, { rounds }) {
  const client = makeClient(endpoint);
  const tableName = await freshTable(client, 'tx_paused');
  const data = await dataTable(client);
  const env = { DLM_ENDPOINT: endpoint, DLM_TABLE: tableName, NODE_NO_WARNINGS: '1' };
  const holder = child(
    process.execPath,
    [new URL('checked-holder.mjs', FIXTURES).pathname, 'paused', data, String(rounds)],
    env,
  );
  const pauses = [];
  const outcomes = {};
  try {
    for (let r = 1; r <= rounds; r++) {
      await holder.next((e) => e.event === 'acquired' && e.round === r);
      holder.proc.kill('SIGSTOP');
      const stopped = performance.now();
      const taker = new DynamoDbLock('paused', {
        client,
        tableName,
        logger: false,
        clockSkewAllowance: 0,
        owner: 'taker',
      });
      if (!(await taker.acquire({ timeout: 10 }))) throw new Error('tx bench: the taker did not get the lock');
      await taker.transactWrite([logEntry(data, r)]);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, stopped + 800 - performance.now())));
      pauses.push(performance.now() - stopped);
      holder.proc.kill('SIGCONT');
      const done = await holder.next((e) => e.event === 'round' && e.round === r);
      const key = `${done.outcome}${done.refusedBy === undefined ? '' : ` (${done.refusedBy})`}`;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
      await taker.release();
    }
    await holder.done;
  } finally {
    holder.proc.kill('SIGCONT');
    holder.proc.kill('SIGKILL');
  }
  const item = await client.send(
    new GetItemCommand({ TableName: data, Key: { id: { S: 'paused' } }, ConsistentRead: true }),
  );
  const log = (item.Item?.log?.L ?? []).map((e) => e.S);
  client.destroy();
  return {
    rounds,
    staleWritesCommitted: log.filter((e) => e.includes('after the pause')).length,
    holderWritesBeforePause: log.filter((e) => e.startsWith('holder') && e.endsWith('before')).length,
    takerWrites: log.filter((e) => e.startsWith('taker')).length,
    outcomes,
    pauseMs: summary(pauses),
  };
}

function pythonWithBoto3() {
  const python = process.env.DLM_PYTHON ?? 'python3';
  return spawnSync(python, ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0 ? python : undefined;
}

async function mix(endpoint, { iterations }) {
  const client = makeClient(endpoint);
  const tableName = await freshTable(client, 'tx_mix');
  client.destroy();
  const witness = mkdtempSync(join(tmpdir(), 'dlm-bench-tx-'));
  const env = { DLM_ENDPOINT: endpoint, DLM_TABLE: tableName, NODE_NO_WARNINGS: '1' };
  const node = (ids) =>
    child(process.execPath, [new URL('multi-worker.mjs', FIXTURES).pathname, ids, String(iterations), witness], env);
  const python = pythonWithBoto3();
  const workers = [node('a,b'), node('b,c'), node('c,a'), node('a'), node('b'), node('c')];
  if (python !== undefined) {
    workers.push(
      child(python, [new URL('python1_worker.py', FIXTURES).pathname, 'c', String(iterations), witness], env),
    );
  }
  const started = performance.now();
  const runs = await Promise.all(workers.map((w) => w.done));
  const wallMs = performance.now() - started;
  const holdings = runs.flatMap((r) => r.events.filter((e) => e.start !== undefined));
  const overlapsInTime = ['a', 'b', 'c'].reduce((n, id) => {
    const mine = holdings.filter((h) => h.ids.includes(id)).sort((x, y) => x.start - y.start);
    return n + mine.filter((h, i) => i > 0 && h.start < mine[i - 1].end).length;
  }, 0);
  const witnessCounts = Object.fromEntries(
    ['a', 'b', 'c'].map((id) => [id, JSON.parse(readFileSync(join(witness, `${id}.json`), 'utf8')).count]),
  );
  rmSync(witness, { recursive: true, force: true });
  return {
    iterations,
    python: python !== undefined,
    processes: runs.map((r) => {
      const s = r.events.find((e) => e.summary === true);
      return {
        who: r.events[0]?.who,
        ids: s?.ids.join(','),
        exit: r.code,
        holdings: r.events.length - 1,
        witnessOverlaps: s?.overlaps,
        seconds: round((s?.ms ?? Number.NaN) / 1000, 2),
      };
    }),
    overlapsInTime,
    witnessCounts,
    expectedCounts: { a: 3 * iterations, b: 3 * iterations, c: (python === undefined ? 3 : 4) * iterations },
    allFinished: runs.every((r) => r.code === 0 && r.events.some((e) => e.summary === true)),
    wallSeconds: round(wallMs / 1000, 1),
  };
}

export async function runTransactions({ quick, log }) {
  const settings = quick ? QUICK : FULL;
  const server = await startDynamoDbLocal();
  try {
    log('  tx: multi-lock cycle against two single locks...');
    const c = await cycle(server.endpoint, settings);
    log('  tx: paused holders...');
    const p = await paused(server.endpoint, settings);
    log('  tx: overlapping multi-locks, single locks and Python 1.x...');
    const m = await mix(server.endpoint, settings);
    return { server: 'DynamoDB Local', cycle: c, paused: p, mix: m };
  } finally {
    await server.stop();
  }
}
