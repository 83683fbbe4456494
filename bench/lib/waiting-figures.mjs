// A waiting row's figures, from what its workers recorded (bench/workers/waiting-worker.mjs) and
// the writes counted at the server. Each figure is defined here once; docs/bench/README.md says
// what each means.
import { idleAfterReleases, idleSummary, roundTripMs } from './idle.mjs';
import { jain, round, summary } from './stats.mjs';

const FAIR_ROLES = new Set(['loop', 'burst']);

/**
 * Acquisitions that began while an earlier holder still held (0 under mutual exclusion). A holder
 * holds from `acquire()` resolving until it calls `release()`, or until its lock reported the
 * lease lost (the `lost` hook), if that came first: after that it knows it holds nothing.
 */
function overlaps(holds) {
  let n = 0;
  let busyUntil = Number.NEGATIVE_INFINITY;
  for (const h of holds) {
    if (h.acquiredAt < busyUntil) n++;
    busyUntil = Math.max(busyUntil, Math.min(h.releaseCalledAt, h.lostAt ?? Number.POSITIVE_INFINITY));
  }
  return n;
}

/** How many calls gave up, by kind, from 1 s before a release to the end of its idle: what a stall followed. */
function gaveUpAround(attempts, s) {
  const out = {};
  for (const a of attempts) {
    if (a.outcome === 'acquired' || a.endedAt < s.releasedAt - 1_000 || a.endedAt > s.releasedAt + s.idleMs) continue;
    const k = `${a.group} ${a.outcome}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/** Acquisitions a second with `acquiredAt` in (from, to]. */
function rate(holds, from, to) {
  return round(holds.filter((h) => h.acquiredAt > from && h.acquiredAt <= to).length / ((to - from) / 1000), 3);
}

/**
 * The figures of one run of `row`: `jobs[p]` is what process p ran, `outs[p]` what it reported,
 * `writes` the writes the server received, `window` the row's `{ startAt, endAt, finishedAt }`.
 */
export function rowFigures(row, jobs, outs, writes, { startAt, endAt, finishedAt }) {
  const endedAt = Math.min(finishedAt, endAt);
  const elapsedMs = endedAt - startAt;
  const counts = {};
  const writesByKind = {};
  const outcomes = {};
  const byGroup = {};
  const perProcess = [];
  const lanes = new Map();
  let failures = 0;
  for (const [p, o] of outs.entries()) {
    const { group, lane } = jobs[p];
    failures += o.failures;
    for (const [k, n] of Object.entries(o.counts)) counts[k] = (counts[k] ?? 0) + n;
    for (const [k, n] of Object.entries(o.byKind)) writesByKind[k] = (writesByKind[k] ?? 0) + n;
    if (!lanes.has(lane)) lanes.set(lane, { holds: [], attempts: [] });
    const mine = lanes.get(lane);
    let acquired = 0;
    for (const a of o.attempts) {
      outcomes[a.outcome] = (outcomes[a.outcome] ?? 0) + 1;
      mine.attempts.push({ ...a, group: group.name });
      if (a.outcome !== 'acquired') continue;
      acquired++;
      mine.holds.push({ ...a, acquiredAt: a.endedAt, role: group.role });
    }
    byGroup[group.name] = (byGroup[group.name] ?? 0) + acquired;
    if (FAIR_ROLES.has(group.role)) perProcess.push(acquired);
  }
  const handoff = [];
  const standbyHandoff = [];
  const idle = [];
  const allHolds = [];
  let exclusionViolations = 0;
  for (const { holds, attempts } of lanes.values()) {
    holds.sort((a, b) => a.acquiredAt - b.acquiredAt);
    allHolds.push(...holds);
    exclusionViolations += overlaps(holds);
    for (let i = 1; i < holds.length; i++) {
      const prev = holds[i - 1];
      // A hand-off: the next holder was already waiting when the previous one called release.
      if (holds[i].calledAt < prev.releaseCalledAt) handoff.push(holds[i].acquiredAt - prev.releaseCalledAt);
      if (prev.role === 'holder') standbyHandoff.push(holds[i].acquiredAt - prev.releaseCalledAt);
    }
    idle.push(...idleAfterReleases(holds, attempts).map((x) => ({ ...x, attempts })));
  }
  const acquisitions = allHolds.length;
  // Every write that neither took the lock, nor gave it back, nor renewed it, was spent waiting.
  const waitingWrites = writes.sent - counts.acquired - counts.released - counts.extended;
  const waitedMs = [...lanes.values()].flatMap((l) => l.attempts).reduce((a, x) => a + (x.endedAt - x.calledAt), 0);
  const out = {
    title: row.title,
    elapsedS: round(elapsedMs / 1000, 2),
    acquisitions,
    acqPerSec: round(acquisitions / (elapsedMs / 1000), 3),
    acquisitionsByGroup: byGroup,
    outcomes,
    writes,
    writesByKind,
    writesPerAcq: round(writes.sent / acquisitions, 3),
    waitingWrites,
    waiterMinutes: round(waitedMs / 60_000, 3),
    writesPerWaiterMinute: round(waitingWrites / (waitedMs / 60_000), 2),
    writeRatePerSec: round(writes.sent / (elapsedMs / 1000), 1),
    acceptedWriteRatePerSec: round((writes.sent - writes.throttled) / (elapsedMs / 1000), 1),
    handoffMs: summary(handoff),
    roundTripMs: round(roundTripMs(allHolds), 2),
    idle: idleSummary(idle),
    idleWorst: [...idle]
      .sort((a, b) => b.idleMs / b.boundMs - a.idleMs / a.boundMs)
      .slice(0, 5)
      .map((s) => ({
        atS: round((s.releasedAt - startAt) / 1000, 2),
        idleMs: round(s.idleMs, 1),
        boundMs: round(s.boundMs, 1),
        gaveUp: gaveUpAround(s.attempts, s),
      })),
    jain: perProcess.length > 1 ? round(jain(perProcess), 4) : undefined,
    perProcess: perProcess.length > 0 ? perProcess : undefined,
    events: counts,
    failures,
    releasesFailed: allHolds.filter((h) => h.releaseFailed).length,
    leasesLostWhileHeld: allHolds.filter((h) => h.lostAt !== undefined).length,
    exclusionViolations,
  };
  if (row.standby) {
    // From each long holder's release to the first waiter's acquire, one per lane.
    out.standbyHandoffMs = summary(standbyHandoff);
    out.standbyHandoffSamplesMs = standbyHandoff.map((ms) => round(ms, 1));
  }
  if (row.phaseMs !== undefined) {
    const longRelease = allHolds.find((h) => h.role === 'holder')?.releasedAt ?? startAt;
    out.afterLongHold = {
      phaseS: row.phaseMs / 1000,
      acqPerSecAfterRelease: rate(allHolds, longRelease, longRelease + row.phaseMs),
      acqPerSecAtEnd: rate(allHolds, endedAt - row.phaseMs, endedAt),
    };
  }
  if (row.groups.some((g) => g.role === 'once')) {
    out.waiters =
      (row.lanes ?? 1) *
      row.groups.filter((g) => g.role === 'once').reduce((a, g) => a + g.processes * (g.instances ?? 1), 0);
    out.waitersAcquired = row.groups.filter((g) => g.role === 'once').reduce((a, g) => a + byGroup[g.name], 0);
  }
  return out;
}
