// The waiting scenario's worker processes, started once and reused by every run of every row on
// every server: starting 32 Node processes costs about 20 s of this machine's two cores, more
// than a quick row's window. Each process imports every build at start (bench/workers/waiting-worker.mjs).
import { fork } from 'node:child_process';

const WORKER = new URL('../workers/waiting-worker.mjs', import.meta.url);

/** One worker: `request(message)` sends a message and resolves with the worker's next answer. */
function startWorker(libs) {
  const child = fork(WORKER, [JSON.stringify(libs)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let pending;
  let failed;
  child.on('message', (m) => {
    const p = pending;
    pending = undefined;
    p?.resolve(m);
  });
  child.once('exit', (code, signal) => {
    failed = new Error(`waiting worker exited with ${code ?? signal}`);
    pending?.reject(failed);
  });
  const answer = () =>
    new Promise((resolve, reject) => {
      if (failed !== undefined) reject(failed);
      else pending = { resolve, reject };
    });
  const up = answer();
  return {
    up,
    request: (message) => {
      const next = answer();
      child.send(message);
      return next;
    },
    stop: () => {
      if (failed !== undefined) return Promise.resolve();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      return exited;
    },
  };
}

/** Starts `size` workers that can run `libs` (`{ [build]: URL of its index.js }`). */
export async function startPool(size, libs) {
  const workers = Array.from({ length: size }, () => startWorker(libs));
  await Promise.all(workers.map((w) => w.up));
  return {
    size,
    /**
     * Runs `jobs` (one per worker) together: each prepares, then all start at one moment; returns
     * each job's result and the moment the row started and ended, on the monotonic clock.
     */
    async run(jobs, windowMs, { nowMs, beforeStart = () => undefined }) {
      if (jobs.length > size) throw new Error(`a row of ${jobs.length} processes in a pool of ${size}`);
      await Promise.all(jobs.map((job, i) => workers[i].request({ type: 'prepare', job })));
      beforeStart();
      const startAt = nowMs() + 100;
      const endAt = startAt + windowMs;
      const outs = await Promise.all(jobs.map((_, i) => workers[i].request({ type: 'start', startAt, endAt })));
      return { outs, startAt, endAt, finishedAt: nowMs() };
    },
    stop: () => Promise.all(workers.map((w) => w.stop())),
  };
}
