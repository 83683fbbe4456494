// One process of the waiting scenario's pool (bench/lib/waiting-pool.mjs). It imports every build
// it is given at start (so that no run times an import), then serves runs over IPC:
//   { type: 'prepare', job } -> locks made and warmed -> { type: 'ready' }
//   { type: 'start', startAt, endAt } -> the job's callers run -> { type: 'done', ... }
// A job is one process of one group of a row (bench/scenarios/waiting-rows.mjs), on one build.
// Every call to acquire() is reported with its timestamps on the system-wide monotonic clock.
import { setTimeout as sleep } from 'node:timers/promises';
import { drawMs, seededRandom } from '../lib/draws.mjs';
import { Python1Lock } from '../lib/python1-lock.mjs';
import { makeClient } from '../lib/server.mjs';
import { nowMs } from '../lib/stats.mjs';

const libs = JSON.parse(process.argv[2]);
const builds = Object.fromEntries(
  await Promise.all(Object.entries(libs).map(async ([key, url]) => [key, await import(url)])),
);
process.once('disconnect', () => process.exit(0));

/** The shape of each write this process sent, for the report (the current queue's kinds, or Python's). */
function kindOf(command) {
  const input = command.input ?? {};
  const u = input.UpdateExpression;
  const c = input.ConditionExpression ?? '';
  if (u === undefined) return command.constructor.name === 'PutItemCommand' ? 'python put' : 'python delete';
  if (u.includes('#token')) return c.includes(':ticketBefore') || c.includes(':prev') ? 'take' : 'try';
  if (u.includes('+ :one') || u.includes('ADD #next')) return 'ticket';
  if (u.includes('if_not_exists(#next')) return 'look';
  if (c.includes(':headBefore')) return 'skip';
  if (c.includes('contains(#done')) return 'pass';
  if (u.includes('#headUntil = :until')) return 'beat';
  if (u.includes('#headUntil = :mark') || u.includes('#headUntil = :now')) return 'leave';
  // A renewal is conditioned on a live lease of ours; a release (of either build) only on the code.
  return c.includes('#expms > :zero') ? 'extend' : 'release';
}

const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand']);
// DLM_BENCH_TRACE=1: every write of a row to stderr (pid, ms since the row's start, kind, answer).
const trace = process.env.DLM_BENCH_TRACE === '1';
let traceFrom;

/** A client whose writes are counted by kind into `byKind`. */
function countedClient(endpoint, byKind) {
  const client = makeClient(endpoint);
  const send = client.send.bind(client);
  client.send = (command, options) => {
    if (!WRITES.has(command.constructor.name)) return send(command, options);
    const k = kindOf(command);
    byKind[k] = (byKind[k] ?? 0) + 1;
    if (!trace || traceFrom === undefined) return send(command, options);
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
  };
  return client;
}

let run;
/** Builds this process has run once (their code paths are warm). */
const warmed = new Set();

async function prepare(job) {
  const g = job.group;
  const byKind = {};
  const counts = { acquired: 0, released: 0, extended: 0, lost: 0, contended: 0, throttled: 0, plannedWaitMs: 0 };
  const shared = g.ownClients ? undefined : countedClient(job.endpoint, byKind);
  const clients = [];
  // One `{ lock, holding }` per instance: `holding` is the record of its acquisition in progress.
  const instances = [];
  const { DynamoDbLock } = builds[job.build];
  for (let i = 0; i < (g.instances ?? 1); i++) {
    const client = shared ?? countedClient(job.endpoint, byKind);
    if (!clients.includes(client)) clients.push(client);
    const instance = { lock: undefined, holding: undefined };
    const hooks = {
      acquired: () => counts.acquired++,
      released: () => counts.released++,
      extended: () => counts.extended++,
      // When a holder's lease was lost, its hold no longer excludes anyone (see waiting-figures.mjs).
      lost: () => {
        counts.lost++;
        if (instance.holding !== undefined) instance.holding.lostAt ??= nowMs();
      },
      contended: (e) => {
        counts.contended++;
        counts.plannedWaitMs += e.delayMs;
      },
      throttled: () => counts.throttled++,
    };
    const options = { client, tableName: job.tableName, hooks };
    instance.lock =
      g.wire === 'python1'
        ? new Python1Lock(job.resourceId, options)
        : new DynamoDbLock(job.resourceId, { ...options, logger: false, ...g.lockOptions });
    instances.push(instance);
  }
  // Warm each client's connection, and on this process's first run of a build its code paths, on a
  // resource of our own.
  const cycles = g.ownClients || warmed.has(job.build) ? 1 : 10;
  warmed.add(job.build);
  for (const [i, client] of clients.entries()) {
    const warm = new DynamoDbLock(`${job.resourceId}-warm-${process.pid}-${i}`, {
      client,
      tableName: job.tableName,
      logger: false,
    });
    for (let k = 0; k < cycles; k++) {
      await warm.acquire();
      await warm.release();
    }
  }
  for (const k of Object.keys(byKind)) delete byKind[k];
  run = { job, instances, clients, counts, byKind, attempts: [], failures: 0 };
}

/** One call to acquire() on the caller's own terms, within the row's end; its outcome. */
async function attempt(lock, g, endAt) {
  const remainingS = Math.max(0.001, (endAt - nowMs()) / 1000);
  const own = g.acquire ?? {};
  const options =
    own.blocking === false ? { blocking: false } : { timeout: Math.min(own.timeoutS ?? remainingS, remainingS) };
  if (own.abortAfterMs !== undefined) options.signal = AbortSignal.timeout(own.abortAfterMs);
  try {
    if (await lock.acquire(options)) return 'acquired';
  } catch (error) {
    if (['AbortedError', 'AbortError', 'TimeoutError'].includes(error?.name)) return 'aborted';
    run.failures++;
    process.stderr.write(`waiting worker: acquire failed: ${error}\n`);
    return 'failed';
  }
  if (own.blocking === false) return 'refused';
  return own.timeoutS !== undefined && own.timeoutS < remainingS ? 'timedOut' : 'ended';
}

async function caller(instance, index, { startAt, endAt }) {
  const { job } = run;
  const g = job.group;
  const random = seededRandom(job.seed + index * 7919);
  for (let burst = 1; ; ) {
    const calledAt = nowMs();
    if (calledAt >= endAt) return;
    const outcome = await attempt(instance.lock, g, endAt);
    const record = { instance: index, calledAt, endedAt: nowMs(), outcome };
    run.attempts.push(record);
    if (outcome === 'failed' || outcome === 'ended') return;
    if (outcome !== 'acquired') {
      await sleep(drawMs(g.pauseMs ?? 0, random));
      continue;
    }
    instance.holding = record;
    await sleep(job.holdMs ?? drawMs(g.holdMs, random));
    record.releaseCalledAt = nowMs();
    try {
      await instance.lock.release();
    } catch (error) {
      // The lock stays held until its lease ends (or was lost): not a release the idle counts from.
      record.releaseFailed = true;
      run.failures++;
      process.stderr.write(`waiting worker: release failed: ${error}\n`);
    }
    record.releasedAt = nowMs();
    instance.holding = undefined;
    if (g.role === 'once' || g.role === 'holder') return;
    if (g.role === 'burst') {
      const next = startAt + burst++ * g.periodMs;
      if (next >= endAt) return;
      await sleep(Math.max(0, next - nowMs()));
    }
  }
}

process.on('message', async (m) => {
  if (m.type === 'prepare') {
    await prepare(m.job);
    process.send({ type: 'ready' });
    return;
  }
  const { job, instances, clients, counts, byKind, attempts } = run;
  await sleep(Math.max(0, m.startAt + (job.group.delayMs ?? 0) - nowMs()));
  traceFrom = m.startAt;
  const callers = job.group.role === 'holder' ? instances.slice(0, 1) : instances;
  await Promise.all(callers.map((instance, i) => caller(instance, i, m)));
  for (const c of clients) c.destroy();
  process.send({ type: 'done', attempts, counts, failures: run.failures, byKind });
  run = undefined;
  traceFrom = undefined;
});
process.send({ type: 'up' });
