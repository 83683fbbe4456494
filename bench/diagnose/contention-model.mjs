// A discrete-event model of scenario 2, to tune the contention backoff without the noise of a
// shared machine. It runs the library's real backoffDelay() and policy constants; the server is
// one FIFO queue (dynalite is single-threaded), each write costs `serverMs` there and `netMs`
// each way; the holder re-acquires at once after its release, as the bench workers do.
//   npm run build && node bench/diagnose/contention-model.mjs [netMs] [serverMs] [base,cap ...]
import { backoffDelay, CONTENTION_BACKOFF } from '../../dist/runtime/backoff.js';
import { seededRandom as rng } from '../lib/draws.mjs';
import { jain } from '../lib/stats.mjs';

/** Simulates `n` workers for `seconds`; returns acq/s, writes per acquisition and Jain. */
export function simulate({ n, policy, netMs, serverMs, holdMs = 5.3, seconds = 60, seed = 1, polite = false }) {
  const random = rng(seed);
  const events = []; // [time, seq, fn], kept sorted
  let seq = 0;
  const at = (t, fn) => {
    const e = [t, seq++, fn];
    let i = events.length;
    while (i > 0 && (events[i - 1][0] > t || (events[i - 1][0] === t && events[i - 1][1] > e[1]))) i--;
    events.splice(i, 0, e);
  };
  let serverFree = 0;
  let holder = -1;
  let writes = 0;
  const acquired = Array(n).fill(0);
  // polite: a worker that had to wait for its last acquisition does not re-acquire at once
  // after releasing, but waits one first backoff step, as a newcomer would.
  const waitedLast = Array(n).fill(false);
  const jitter = () => netMs * (0.75 + 0.5 * random());
  // A write reaches the server, waits its turn, is applied, and the answer travels back.
  const write = (t, apply, answer) => {
    writes++;
    const arrive = t + jitter();
    at(arrive, () => {
      const done = Math.max(arrive, serverFree) + serverMs;
      serverFree = done;
      at(done, () => {
        const result = apply();
        at(done + jitter(), () => answer(result));
      });
    });
  };
  const tryAcquire = (w, t, contended) =>
    write(
      t,
      () => {
        if (holder !== -1) return false;
        holder = w;
        return true;
      },
      (ok) => {
        const now = events.current;
        if (ok) {
          acquired[w]++;
          const waited = contended > 0;
          const releaseAt = now + holdMs;
          write(
            releaseAt,
            () => {
              holder = -1;
            },
            () => {
              const yieldMs = polite && (waited || waitedLast[w]) ? backoffDelay(policy, 1, random) : 0;
              waitedLast[w] = waited;
              tryAcquire(w, events.current + yieldMs, 0);
            },
          );
        } else {
          const delay = backoffDelay(policy, contended + 1, random);
          tryAcquire(w, now + delay, contended + 1);
        }
      },
    );
  for (let w = 0; w < n; w++) tryAcquire(w, random() * 5, 0);
  const end = seconds * 1000;
  while (events.length > 0 && events[0][0] < end) {
    const [t, , fn] = events.shift();
    events.current = t;
    fn();
  }
  const total = acquired.reduce((a, b) => a + b, 0);
  return { acqPerSec: total / seconds, writesPerAcq: writes / total, jain: jain(acquired) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [netMs = '0.35', serverMs = '0.2', ...specs] = process.argv.slice(2);
  const policies = [
    { name: `current ${CONTENTION_BACKOFF.baseMs},${CONTENTION_BACKOFF.capMs}`, policy: CONTENTION_BACKOFF },
    ...specs.map((s) => {
      const [baseMs, capMs] = s.split(',').map(Number);
      return { name: `${baseMs},${capMs}`, policy: { baseMs, capMs } };
    }),
  ];
  const base = { netMs: Number(netMs), serverMs: Number(serverMs) };
  const ideal = simulate({ ...base, n: 1, policy: CONTENTION_BACKOFF });
  console.log(`net ${netMs} ms each way, server ${serverMs} ms per write; ideal ${ideal.acqPerSec.toFixed(1)} acq/s`);
  for (const n of [2, 8, 32]) {
    for (const p of policies) {
      const runs = [1, 2, 3].map((seed) => simulate({ ...base, n, policy: p.policy, seed }));
      const m = (k) => runs.reduce((a, r) => a + r[k], 0) / runs.length;
      console.log(
        `N=${String(n).padEnd(3)} ${p.name.padEnd(16)} ofIdeal ${(m('acqPerSec') / ideal.acqPerSec).toFixed(3)}  writes/acq ${m('writesPerAcq').toFixed(2)}  jain ${m('jain').toFixed(3)}`,
      );
    }
  }
}
