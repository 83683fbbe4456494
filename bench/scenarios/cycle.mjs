// Scenario 1: one uncontended acquire() + release() against the raw SDK floor, same client and
// server, interleaved in blocks (ABAB...) so that drift on a shared machine hits both alike.
// A third, diagnostic arm sends the library's own two UpdateItem requests by hand: it splits
// the gap into what the request shape costs (server and wire) and what the lock adds on top.
import { randomBytes } from 'node:crypto';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbLock } from '../../dist/index.js';
import { itemKey } from '../../dist/item/attributes.js';
import { acquireRequest, releaseRequest } from '../../dist/item/requests.js';
import { rawPair } from '../lib/raw.mjs';
import { freshTable, makeClient, writesBetween } from '../lib/server.mjs';
import { quantile, round, summary } from '../lib/stats.mjs';

export async function runCycle(server, { quick }) {
  const client = makeClient(server.endpoint);
  const tableName = await freshTable(client, 'cycle');
  const lock = new DynamoDbLock('cycle-lib', { client, tableName, logger: false });
  const ctx = {
    tableName,
    key: itemKey('single', 'cycle-shape', 0),
    durationMs: 10_000,
    skewMs: 1_000,
    retentionS: 86_400,
    // Every acquire writes its owner (the lock writes host:pid by default); a request without one is invalid.
    owner: 'bench',
  };
  const arms = {
    library: async () => {
      await lock.acquire();
      await lock.release();
    },
    raw: () => rawPair(client, tableName, 'cycle-raw'),
    libraryRequestsByHand: async () => {
      const code = randomBytes(16).toString('hex');
      await client.send(new UpdateItemCommand(acquireRequest({ ...ctx, code, now: Date.now() })));
      await client.send(new UpdateItemCommand(releaseRequest({ ...ctx, code, now: Date.now() })));
    },
  };
  const names = Object.keys(arms);
  const blockSize = 40;
  const blocks = quick ? 5 : 45;
  for (let i = 0; i < (quick ? 60 : 150); i++) for (const n of names) await arms[n]();
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  // Process CPU per cycle, client and in-process server together: far less disturbed by other
  // work on a shared machine than wall time, and what bounds throughput when CPU is scarce.
  const cpu = Object.fromEntries(names.map((n) => [n, []]));
  const writes = Object.fromEntries(names.map((n) => [n, 0]));
  const ratios = [];
  for (let b = 0; b < blocks; b++) {
    // Rotate the order, so no arm always runs right after another one's garbage.
    const order = names.map((_, i) => names[(i + b) % names.length]);
    const medians = {};
    for (const n of order) {
      const block = [];
      const w0 = server.counts();
      const c0 = process.cpuUsage();
      for (let i = 0; i < blockSize; i++) {
        const t0 = performance.now();
        await arms[n]();
        block.push(performance.now() - t0);
      }
      const c = process.cpuUsage(c0);
      cpu[n].push((c.user + c.system) / 1000 / blockSize);
      writes[n] += writesBetween(w0, server.counts()).sent;
      samples[n].push(...block);
      medians[n] = quantile(block, 0.5);
    }
    ratios.push(medians.library / medians.raw);
  }
  client.destroy();
  const s = Object.fromEntries(names.map((n) => [n, summary(samples[n])]));
  return {
    blockSize,
    blocks,
    libraryMs: s.library,
    rawMs: s.raw,
    libraryRequestsByHandMs: s.libraryRequestsByHand,
    ratio: round(s.library.median / s.raw.median, 4),
    blockRatio: summary(ratios),
    requestShapeRatio: round(s.libraryRequestsByHand.median / s.raw.median, 4),
    cpuMsPerCycle: Object.fromEntries(names.map((n) => [n, summary(cpu[n])])),
    cpuRatio: round(quantile(cpu.library, 0.5) / quantile(cpu.raw, 0.5), 4),
    libraryOverByHandCpu: round(quantile(cpu.library, 0.5) / quantile(cpu.libraryRequestsByHand, 0.5), 4),
    writesPerCycle: Object.fromEntries(names.map((n) => [n, round(writes[n] / samples[n].length)])),
  };
}
