// One process holding many auto-renewed locks: reports its own CPU time and memory over a
// window while the parent counts the renewal writes at the server.
import { DynamoDbLock } from '../../dist/index.js';
import { makeClient } from '../lib/server.mjs';

const { endpoint, tableName, locks: count, duration, windowMs } = JSON.parse(process.argv[2]);
const client = makeClient(endpoint);
// If the bench dies, do not linger: a worker without its parent has nothing left to do.
process.once('disconnect', () => process.exit(0));
let extended = 0;
const options = {
  client,
  tableName,
  logger: false,
  duration,
  autoRenew: true,
  hooks: { extended: () => extended++ },
};

function memory() {
  const m = process.memoryUsage();
  return { rssMB: m.rss / 2 ** 20, heapUsedMB: m.heapUsed / 2 ** 20 };
}

function window(ms) {
  return new Promise((resolve) => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const e0 = extended;
    setTimeout(() => {
      const cpu = process.cpuUsage(cpu0);
      resolve({
        wallMs: performance.now() - t0,
        cpuMs: (cpu.user + cpu.system) / 1000,
        renewals: extended - e0,
      });
    }, ms);
  });
}

// Warm the connection pool, then measure an idle process as the noise floor.
const warm = new DynamoDbLock('held-warm', options);
await warm.acquire({ autoRenew: false });
await warm.release();
globalThis.gc?.();
const idleMemory = memory();
const idle = await window(Math.min(windowMs, 3_000));

const locks = Array.from({ length: count }, (_, i) => new DynamoDbLock(`held-${i}`, options));
// Acquire at evenly spread times over one renewal interval, as locks taken at random moments
// would be: renewals then arrive at a steady rate and any window sees its fair share of them.
const acquireStart = performance.now();
const spacingMs = (duration * 1000) / 3 / count;
await Promise.all(
  locks.map(async (lock, i) => {
    await new Promise((resolve) => setTimeout(resolve, i * spacingMs));
    await lock.acquire();
  }),
);
const heldAt = performance.now();
globalThis.gc?.();
const heldMemory = memory();
process.send({ phase: 'held' });
const held = await window(windowMs);
const endMemory = memory();
let lost = 0;
for (const l of locks) if (!l.locked()) lost++;
const acquireS = (heldAt - acquireStart) / 1000;
process.send({ idleMemory, idle, heldMemory, held, endMemory, lost, acquireS }, async () => {
  await Promise.all(locks.map((l) => l.release().catch(() => undefined)));
  client.destroy();
  process.disconnect();
});
