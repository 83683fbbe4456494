// One process of a waiting scenario (bench/scenarios/waiting.mjs). It imports the library from
// the path it is given (this checkout's dist/ or a baseline build), runs `instances` locks on
// one resource, and reports every acquisition with timestamps on the system-wide monotonic
// clock, plus what the lock's hooks counted.
//   role 'loop':   each instance loops acquire -> hold -> release until the end
//   role 'once':   each instance acquires once (waiting until the end at most), holds, releases
//   role 'holder': one instance acquires at once, holds `holdMs`, releases
import { setTimeout as sleep } from 'node:timers/promises';
import { makeClient } from '../lib/server.mjs';
import { nowMs } from '../lib/stats.mjs';

const p = JSON.parse(process.argv[2]);
const { DynamoDbLock } = await import(p.lib);
process.once('disconnect', () => process.exit(0));

const counts = {
  waitedMs: 0,
  acquired: 0,
  released: 0,
  extended: 0,
  lost: 0,
  contended: 0,
  throttled: 0,
  plannedWaitMs: 0,
};
const hooks = {
  acquired: () => counts.acquired++,
  released: () => counts.released++,
  extended: () => counts.extended++,
  lost: () => counts.lost++,
  contended: (e) => {
    counts.contended++;
    counts.plannedWaitMs += e.delayMs;
  },
  throttled: () => counts.throttled++,
};
// DLM_BENCH_TRACE=1: every write to stderr (pid, ms since the row's start, kind, answer).
const trace = process.env.DLM_BENCH_TRACE === '1';
let traceFrom = nowMs();
let traceOn = false;
/** Writes this process sent, by what they were (from their shape), for the report. */
const byKind = {};
function kindOf(input) {
  const u = input.UpdateExpression ?? '';
  const c = input.ConditionExpression ?? '';
  if (u.includes('#token')) return c.includes(':ticketBefore') || c.includes(':prev') ? 'take' : 'try';
  if (u.includes('+ :one') || u.includes('ADD #next')) return 'ticket';
  if (u.includes('if_not_exists(#next')) return 'look';
  if (c.includes(':headBefore')) return 'skip';
  if (u.includes('#headUntil = :until')) return 'beat';
  if (u.includes('#headUntil = :now')) return 'leave';
  if (u.includes('#freed = :now')) return 'release';
  return 'extend';
}
function counted(client) {
  const send = client.send.bind(client);
  client.send = (command, options) => {
    if (command.input?.UpdateExpression !== undefined) {
      const k = kindOf(command.input);
      byKind[k] = (byKind[k] ?? 0) + 1;
      if (trace && traceOn) {
        const at = Math.round(nowMs() - traceFrom);
        return send(command, options).then(
          (r) => {
            process.stderr.write(`${process.pid} ${at} ${k} ok\n`);
            return r;
          },
          (e) => {
            process.stderr.write(`${process.pid} ${at} ${k} ${e.name}\n`);
            throw e;
          },
        );
      }
    }
    return send(command, options);
  };
  return client;
}
const shared = p.ownClients ? undefined : counted(makeClient(p.endpoint));
const clients = [];
const locks = Array.from({ length: p.instances }, () => {
  const client = shared ?? counted(makeClient(p.endpoint));
  clients.push(client);
  return new DynamoDbLock(p.resourceId, { client, tableName: p.tableName, logger: false, hooks, ...p.lockOptions });
});

// Warm each client's connection and the code paths on a resource of our own.
for (const [i, client] of clients.entries()) {
  const warm = new DynamoDbLock(`${p.resourceId}-warm-${process.pid}-${i}`, {
    client,
    tableName: p.tableName,
    logger: false,
  });
  for (let k = 0; k < (p.ownClients ? 1 : 10); k++) {
    await warm.acquire();
    await warm.release();
  }
  if (!p.ownClients) break;
}

/** [instance, calledAt, acquiredAt, releaseCalledAt, releasedAt] per acquisition, flat. */
const records = [];
let failures = 0;

async function run(lock, index, endAt) {
  const once = p.role !== 'loop';
  do {
    const t0 = nowMs();
    if (t0 >= endAt) break;
    let ok;
    try {
      ok = await lock.acquire({ timeout: Math.max(0.001, (endAt - t0) / 1000) });
    } catch (error) {
      failures++;
      process.stderr.write(`waiting worker: acquire failed: ${error}\n`);
      break;
    }
    const acquiredAt = nowMs();
    counts.waitedMs += acquiredAt - t0;
    if (!ok) break;
    await sleep(p.holdMs);
    const releaseCalledAt = nowMs();
    try {
      await lock.release();
    } catch (error) {
      failures++;
      process.stderr.write(`waiting worker: release failed: ${error}\n`);
    }
    records.push(index, t0, acquiredAt, releaseCalledAt, nowMs());
  } while (!once);
}

process.once('message', async ({ startAt, endAt }) => {
  for (const k of Object.keys(byKind)) delete byKind[k];
  await sleep(Math.max(0, startAt - nowMs()));
  traceFrom = nowMs();
  traceOn = true;
  const n = p.role === 'holder' ? 1 : locks.length;
  await Promise.all(locks.slice(0, n).map((lock, i) => run(lock, i, endAt)));
  for (const c of clients) c.destroy();
  process.send({ records, counts, failures, byKind }, () => process.disconnect());
});
process.send({ ready: true });
