// The rows of the waiting scenario (issue 19): each a set of worker processes on one resource, and
// what the contract asks of it (bench/lib/contract.mjs). A group of processes says:
//   role      'loop': acquire -> hold -> release until the end; 'once': one acquisition (waiting
//             until the end at most); 'holder': one acquisition at once; 'burst': one
//             acquisition at each burst, every `periodMs` from the start
//   processes, instances (lock instances per process), ownClients (one client per instance)
//   holdMs    a fixed hold or a drawn one (bench/lib/draws.mjs), seeded the same for both builds
//   acquire   the caller's own terms: { blocking: false }, { timeoutS }, or { abortAfterMs }
//   pauseMs   after a call that gave up, before the next (fixed or drawn)
//   wire      'python1': Python dynamo-dlm 1.x's requests (bench/lib/python1-lock.mjs)
//   delayMs   start this long after the row's start; lockOptions: passed to DynamoDbLock
// Jain's index counts the processes whose role is 'loop' or 'burst'.
import { CONTRACT } from '../lib/contract.mjs';

const short = (processes, quick) => ({
  groups: [{ name: 'loop', role: 'loop', processes, holdMs: 5 }],
  windowMs: quick ? 3_000 : 15_000,
  targets: { throughput: true, jain: CONTRACT.jain },
});

/** The rows, by name (`--scenario=`), with the windows of a full run or of `--quick`. */
export function rows({ quick, standbyHoldS }) {
  const standbyS = standbyHoldS ?? (quick ? 20 : 600);
  const longHoldMs = quick ? 2_000 : 7_000;
  const phaseMs = quick ? 2_500 : 10_000;
  return {
    short8: { title: '8 processes, 5 ms holds, all started at once', ...short(8, quick) },
    short32: { title: '32 processes, 5 ms holds, all started at once', ...short(32, quick) },
    afterlong: {
      title: `1 process holds ${longHoldMs / 1000} s, then 16 processes with 5 ms holds`,
      groups: [
        { name: 'long holder', role: 'holder', processes: 1, holdMs: longHoldMs },
        { name: 'loop', role: 'loop', processes: 16, holdMs: 5, delayMs: 200 },
      ],
      windowMs: longHoldMs + (quick ? 5_000 : 30_000),
      // Acquisitions a second in the first `phaseMs` after the long hold's release, and in the last.
      phaseMs,
      targets: { throughput: true, jain: CONTRACT.jain },
    },
    heavytail: {
      title: '8 processes, holds lognormal (median 30 ms, sigma 1.6, at most 6 s)',
      groups: [
        {
          name: 'loop',
          role: 'loop',
          processes: 8,
          holdMs: { kind: 'lognormal', medianMs: 30, sigma: 1.6, maxMs: 6_000 },
        },
      ],
      windowMs: quick ? 5_000 : 60_000,
      targets: { throughput: true, jain: CONTRACT.jain },
    },
    bursts: {
      title: `bursts: every ${quick ? 2 : 4} s, 24 callers (8 processes x 3) arrive at once, ${quick ? 50 : 100} ms holds`,
      groups: [
        {
          name: 'burst',
          role: 'burst',
          processes: 8,
          instances: 3,
          holdMs: quick ? 50 : 100,
          periodMs: quick ? 2_000 : 4_000,
        },
      ],
      windowMs: quick ? 4_000 : 40_000,
      targets: { throughput: true, jain: CONTRACT.jain },
    },
    mixed: {
      title: '8 processes, 50 ms holds: 3 blocking, 2 blocking: false, 2 timeout 0.4 s, 1 aborting after 0.3 s',
      groups: [
        { name: 'blocking', role: 'loop', processes: 3, holdMs: 50 },
        { name: 'blocking: false', role: 'loop', processes: 2, holdMs: 50, acquire: { blocking: false }, pauseMs: 100 },
        { name: 'timeout 0.4 s', role: 'loop', processes: 2, holdMs: 50, acquire: { timeoutS: 0.4 } },
        { name: 'abort 0.3 s', role: 'loop', processes: 1, holdMs: 50, acquire: { abortAfterMs: 300 } },
      ],
      windowMs: quick ? 4_000 : 30_000,
      targets: { throughput: true, jain: CONTRACT.jain },
    },
    python1: {
      title: '4 processes with 50 ms holds and 1 Python 1.x process with 500 ms holds',
      groups: [
        { name: 'library', role: 'loop', processes: 4, holdMs: 50 },
        { name: 'python 1.x', role: 'loop', processes: 1, holdMs: 500, wire: 'python1' },
      ],
      windowMs: quick ? 4_000 : 30_000,
      targets: { throughput: true, jain: CONTRACT.jain },
    },
    long: {
      title: quick ? '4 processes, 2 s holds, 16 s' : '4 processes, 7 s holds, 60 s',
      groups: [{ name: 'loop', role: 'loop', processes: 4, holdMs: quick ? 2_000 : 7_000 }],
      windowMs: quick ? 16_000 : 60_000,
      targets: {
        throughput: true,
        jain: CONTRACT.jainLongHolds,
        writesPerWaiterMinute: CONTRACT.longHoldsWritesPerWaiterMinute,
      },
    },
    standby: {
      title: `1 holder for ${standbyS} s, 3 waiters (each then holds 200 ms once); ${quick ? 4 : 12} such locks at once`,
      // Independent copies on their own items, so that one run gives several hand-offs to take
      // the median of (one lock gives one: the holder's release).
      lanes: quick ? 4 : 12,
      groups: [
        {
          name: 'holder',
          role: 'holder',
          processes: 1,
          holdMs: standbyS * 1000,
          // Each lane's holder holds up to 5 s longer, at random: the lanes' heads start
          // together and poll on one schedule, so equal holds would release at one phase of it
          // in every lane, and the lanes' hand-offs would be one sample, not many.
          holdSpreadMs: 5_000,
          lockOptions: { autoRenew: true },
        },
        { name: 'waiter', role: 'once', processes: 3, holdMs: 200, delayMs: 500 },
      ],
      windowMs: (standbyS + 60) * 1000,
      standby: true,
      targets: {
        writesPerWaiterMinute: CONTRACT.standbyWritesPerWaiterMinute,
        standbyHandoffMedianMs: CONTRACT.standbyHandoffMedianMs,
      },
    },
    crowd: {
      title: `${quick ? 48 : 200} waiters with their own clients in 4 processes, 20 ms holds, after a ${quick ? 2 : 10} s hold; writes throttled above 300/s`,
      groups: [
        {
          name: 'holder',
          role: 'holder',
          processes: 1,
          holdMs: quick ? 2_000 : 10_000,
          lockOptions: { duration: 3, autoRenew: true },
        },
        {
          name: 'waiter',
          role: 'once',
          processes: 4,
          instances: quick ? 12 : 50,
          ownClients: true,
          holdMs: 20,
          delayMs: 200,
          lockOptions: { duration: 3, autoRenew: true },
        },
      ],
      windowMs: quick ? 90_000 : 150_000,
      writeLimit: 300,
      targets: { throughput: true, writeRateLimit: 300, noLoss: true },
    },
  };
}

/** What `--quick` runs when no `--scenario=` is given: the short rows of issue 19's shapes. */
export const QUICK_ROWS = ['short8', 'afterlong', 'heavytail', 'bursts', 'mixed', 'python1'];
