// Scenario (optional, `--only=election`): leader election. Three worker processes campaign for
// one name; the server (dynalite) runs in this bench process and counts every write. Reports:
// - what a standby costs at rest: its writes per minute while another process leads (counted at
//   the server, and by the standby's own `contended` hook), next to the leader's renewals;
// - failover after SIGKILL of the leader: kill to the next `elected` (bounded by lease + skew
//   allowance + one poll);
// - failover after a graceful resign (`stop()`): the call to the next `elected`.
import { fork } from 'node:child_process';
import { freshTable, makeClient, writesBetween } from '../lib/server.mjs';
import { nowMs, round, summary } from '../lib/stats.mjs';

const WORKER = new URL('../workers/election-worker.mjs', import.meta.url);
const FULL = { duration: 10, windowMs: 30_000, kills: 3, resigns: 5 };
const QUICK = { duration: 2, windowMs: 5_000, kills: 1, resigns: 2 };
const CAMPAIGNERS = 3;

export async function runElection(server, { quick }) {
  const { duration, windowMs, kills, resigns } = quick ? QUICK : FULL;
  const client = makeClient(server.endpoint);
  const tableName = await freshTable(client, 'election');
  client.destroy();
  const name = `election-${Date.now()}`;
  const arg = JSON.stringify({ endpoint: server.endpoint, tableName, name, duration });
  const workers = new Map(); // pid -> { child, messages }
  const listeners = new Set();

  const spawn = () => {
    const child = fork(WORKER, [arg], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const w = { child, messages: [] };
    workers.set(child.pid, w);
    child.on('message', (m) => {
      w.messages.push(m);
      for (const l of listeners) l(m);
    });
    child.once('exit', () => workers.delete(child.pid));
    return w;
  };
  /** The next message (from any worker) matching `match`, after now. */
  const next = (match, timeoutMs = 60_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        listeners.delete(l);
        reject(new Error('election bench: no matching message in time'));
      }, timeoutMs);
      const l = (m) => {
        if (!match(m)) return;
        clearTimeout(timer);
        listeners.delete(l);
        resolve(m);
      };
      listeners.add(l);
    });
  const leaderPid = () => {
    for (const [pid, w] of workers) {
      const mine = w.messages.filter((m) => m.type === 'elected' || m.type === 'deposed');
      if (mine.at(-1)?.type === 'elected') return pid;
    }
    return undefined;
  };
  const ask = (w) =>
    new Promise((resolve) => {
      const l = (m) => {
        if (m.type === 'counts' && m.pid === w.child.pid) {
          listeners.delete(l);
          resolve(m.counts);
        }
      };
      listeners.add(l);
      w.child.send({ type: 'counts' });
    });
  /** Waits until every live worker has started campaigning and one of them leads. */
  const settled = async () => {
    for (;;) {
      const all = [...workers.values()];
      if (leaderPid() !== undefined && all.every((w) => w.messages.some((m) => m.type === 'campaigning'))) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  try {
    for (let i = 0; i < CAMPAIGNERS; i++) spawn();
    await settled();
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    // 1. At rest: one leader renewing, two standbys waiting.
    const leader = leaderPid();
    const before = { server: server.counts(), workers: new Map() };
    for (const [pid, w] of workers) before.workers.set(pid, await ask(w));
    const t0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const minutes = (performance.now() - t0) / 60_000;
    const writes = writesBetween(before.server, server.counts());
    const perWorker = [];
    for (const [pid, w] of workers) {
      const c = await ask(w);
      const b = before.workers.get(pid);
      perWorker.push({
        pid,
        leader: pid === leader,
        contended: c.contended - b.contended,
        extended: c.extended - b.extended,
      });
    }
    const leaderRenewals = perWorker.find((p) => p.leader)?.extended ?? 0;
    const standbys = perWorker.filter((p) => !p.leader);
    const atRest = {
      windowS: round(minutes * 60, 1),
      leaderRenewalsPerMin: round(leaderRenewals / minutes, 1),
      standbyWritesPerMin: round((writes.sent - leaderRenewals) / standbys.length / minutes, 1),
      standbyWritesPerMinByHooks: standbys.map((s) => round(s.contended / minutes, 1)),
      serverWritesPerMin: round(writes.sent / minutes, 1),
    };

    // 2. SIGKILL of the leader; a fresh worker replaces it each round.
    const killFailoverMs = [];
    for (let i = 0; i < kills; i++) {
      await settled();
      const pid = leaderPid();
      const elected = next((m) => m.type === 'elected' && m.pid !== pid);
      const at = nowMs();
      workers.get(pid).child.kill('SIGKILL');
      killFailoverMs.push((await elected).at - at);
      spawn();
    }

    // 3. Graceful resign (stop()) of the leader.
    const resignFailoverMs = [];
    for (let i = 0; i < resigns; i++) {
      await settled();
      const pid = leaderPid();
      const elected = next((m) => m.type === 'elected' && m.pid !== pid);
      const stopped = next((m) => m.type === 'stopped' && m.pid === pid);
      workers.get(pid).child.send({ type: 'stop' });
      resignFailoverMs.push((await elected).at - (await stopped).at);
      spawn();
    }

    const result = {
      campaigners: CAMPAIGNERS,
      durationS: duration,
      atRest,
      killFailoverMs: summary(killFailoverMs),
      killFailoverRaw: killFailoverMs.map((x) => round(x, 0)),
      killFailoverBoundMs: (duration + 1) * 1000 + 200,
      resignFailoverMs: summary(resignFailoverMs),
    };
    process.stderr.write(
      `  election: standby ${atRest.standbyWritesPerMin} writes/min (leader ${atRest.leaderRenewalsPerMin} renewals/min); ` +
        `failover after SIGKILL median ${result.killFailoverMs.median} ms (lease ${duration} s), after resign median ${result.resignFailoverMs.median} ms\n`,
    );
    return result;
  } finally {
    for (const w of workers.values()) w.child.kill('SIGKILL');
  }
}
