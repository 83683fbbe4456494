// One contending process: acquire -> hold 5 ms -> release, until the parent's deadline, with
// one lock instance (or `instances` of them, each its own loop, for waiters in one process).
// Timestamps are on the system-wide monotonic clock so the parent can line processes up.
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDbLock } from '../../dist/index.js';
import { CONTENTION_BACKOFF } from '../../dist/runtime/backoff.js';
import { makeClient } from '../lib/server.mjs';
import { nowMs } from '../lib/stats.mjs';

// `lockOptions`: extra lock options, e.g. { tableLayout: 'slots', concurrency: 2 } (bench/scenarios/slots.mjs).
const {
  endpoint,
  tableName,
  resourceId,
  holdMs,
  backoff,
  instances = 1,
  lockOptions = {},
} = JSON.parse(process.argv[2]);
// Diagnostics only (bench/diagnose/backoff-sweep.mjs): try other contention backoff constants
// without rebuilding, by overwriting the policy object the lock reads on every retry.
if (backoff !== undefined) Object.assign(CONTENTION_BACKOFF, backoff);
const client = makeClient(endpoint);
// If the bench dies, do not linger: a worker without its parent has nothing left to do.
process.once('disconnect', () => process.exit(0));
let contended = 0;
let backoffMs = 0;
const options = {
  ...lockOptions,
  client,
  tableName,
  logger: false,
  hooks: {
    contended: (e) => {
      contended++;
      backoffMs += e.delayMs;
    },
  },
};
const locks = Array.from({ length: instances }, () => new DynamoDbLock(resourceId, options));

// Warm the connection and the code paths on a resource of our own before the start signal.
const warm = new DynamoDbLock(`${resourceId}-warm-${process.pid}`, {
  ...lockOptions,
  client,
  tableName,
  logger: false,
});
for (let i = 0; i < 20; i++) {
  await warm.acquire();
  await warm.release();
}

/** [acquiredAt, releaseCalledAt, releasedAt, waitMs] per acquisition, flat. */
async function loop(lock, endAt) {
  const records = [];
  while (nowMs() < endAt) {
    const t0 = nowMs();
    const ok = await lock.acquire({ timeout: Math.max(0.001, (endAt - t0) / 1000) });
    const acquiredAt = nowMs();
    if (!ok) break;
    await sleep(holdMs);
    const releaseCalledAt = nowMs();
    await lock.release();
    records.push(acquiredAt, releaseCalledAt, nowMs(), acquiredAt - t0);
  }
  return records;
}

process.once('message', async ({ endAt }) => {
  const records = await Promise.all(locks.map((lock) => loop(lock, endAt)));
  client.destroy();
  process.send({ records, contended, backoffMs }, () => process.disconnect());
});
process.send({ ready: true });
