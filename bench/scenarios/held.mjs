// Scenario 4: one child process holds 1,000 auto-renewed locks; the server (dynalite) runs in
// this bench process, so the child's CPU and memory are the library's alone.
import { fork } from 'node:child_process';
import { freshTable, makeClient, writesBetween } from '../lib/server.mjs';
import { round } from '../lib/stats.mjs';

const WORKER = new URL('../workers/held-worker.mjs', import.meta.url);
// Full: 1,000 locks of 15 s, renewed every 5 s (a third of the duration, the default): 12 renewals
// per lock per minute. Quick (CI smoke): 250 locks of 6 s, renewed every 2 s, so a short window
// still sees three renewals per lock.
const FULL = { locks: 1_000, duration: 15, windowMs: 30_000 };
const QUICK = { locks: 250, duration: 6, windowMs: 6_000 };

export async function runHeld(server, { quick }) {
  const client = makeClient(server.endpoint);
  const tableName = await freshTable(client, 'held');
  client.destroy();
  const { locks: LOCKS, duration: DURATION, windowMs } = quick ? QUICK : FULL;
  const child = fork(
    WORKER,
    [JSON.stringify({ endpoint: server.endpoint, tableName, locks: LOCKS, duration: DURATION, windowMs })],
    {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  let before;
  const report = await new Promise((resolve, reject) => {
    child.on('message', (m) => {
      if (m.phase === 'held') before = server.counts();
      else resolve(m);
    });
    child.once('exit', (code) => code !== 0 && reject(new Error(`held worker exited with ${code}`)));
  });
  const writes = writesBetween(before, server.counts());
  // The child releases its locks and exits; on a saturated machine do not wait for ever.
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const timer = setTimeout(() => child.kill(), 60_000);
  await exited;
  clearTimeout(timer);
  const minutes = report.held.wallMs / 60_000;
  const configured = 60 / (DURATION / 3);
  return {
    locks: LOCKS,
    durationS: DURATION,
    windowMs: round(report.held.wallMs, 0),
    configuredRenewalsPerLockPerMin: configured,
    measuredWritesPerLockPerMin: round(writes.sent / LOCKS / minutes, 3),
    writesToConfigured: round(writes.sent / LOCKS / minutes / configured, 4),
    failedWrites: writes.failed,
    abortedWrites: writes.aborted,
    acquireAllS: round(report.acquireS, 2),
    renewalsSeenByHooks: report.held.renewals,
    cpuMsHeld: round(report.held.cpuMs, 1),
    cpuPercentHeld: round((100 * report.held.cpuMs) / report.held.wallMs, 2),
    cpuMsPerRenewal: round(report.held.cpuMs / Math.max(1, writes.sent), 4),
    cpuPercentIdle: round((100 * report.idle.cpuMs) / report.idle.wallMs, 2),
    memory: {
      idleRssMB: round(report.idleMemory.rssMB, 1),
      heldRssMB: round(report.heldMemory.rssMB, 1),
      endRssMB: round(report.endMemory.rssMB, 1),
      idleHeapMB: round(report.idleMemory.heapUsedMB, 2),
      heldHeapMB: round(report.heldMemory.heapUsedMB, 2),
      heapKBPerLock: round(((report.heldMemory.heapUsedMB - report.idleMemory.heapUsedMB) * 1024) / LOCKS, 3),
    },
    locksLost: report.lost,
  };
}
