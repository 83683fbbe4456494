// The printed table and the target verdicts, from one results set.
import { transactionsTable } from './report-transactions.mjs';
import { waitingTable } from './report-waiting.mjs';

const f = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');

/** Each target of the issue, judged against this run. */
export function verdicts(r) {
  const out = [];
  if (r.cycle)
    out.push({ target: 'cycle: library/floor <= 1.05 (median)', value: r.cycle.ratio, met: r.cycle.ratio <= 1.05 });
  const n8 = r.contention?.runs.find((x) => x.n === 8);
  if (n8) {
    out.push({ target: 'N=8: >= 70% of ideal throughput', value: n8.ofIdeal, met: n8.ofIdeal >= 0.7 });
    out.push({ target: 'N=8: <= 3 writes per acquisition', value: n8.writesPerAcq, met: n8.writesPerAcq <= 3 });
    out.push({ target: "N=8: Jain's index >= 0.9", value: n8.jain, met: n8.jain >= 0.9 });
  }
  if (r.contention) {
    const bad = r.contention.runs.reduce((a, x) => a + x.exclusionViolations, r.contention.ideal.exclusionViolations);
    out.push({ target: 'contention: no grant before the previous release was sent', value: bad, met: bad === 0 });
  }
  if (r.many) out.push({ target: 'many resources: library/raw >= 0.9', value: r.many.ratio, met: r.many.ratio >= 0.9 });
  if (r.transactions) {
    const t = r.transactions;
    out.push({
      target: 'tx: 0 stale writes from paused holders',
      value: t.paused.staleWritesCommitted,
      met: t.paused.staleWritesCommitted === 0,
    });
    out.push({
      target: 'tx: overlapping locks: 0 overlaps, all finished',
      value: t.mix.overlapsInTime,
      met: t.mix.overlapsInTime === 0 && t.mix.allFinished,
    });
  }
  if (r.held) {
    out.push({
      target: 'held: renewal writes = configured rate (within 5%)',
      value: r.held.writesToConfigured,
      met: Math.abs(r.held.writesToConfigured - 1) <= 0.05 && r.held.locksLost === 0,
    });
  }
  return out;
}

/** Plain-text tables for the terminal. */
export function table(r) {
  const lines = [];
  const row = (...cells) => lines.push(cells.map((c, i) => String(c).padEnd(i === 0 ? 36 : 18)).join(''));
  if (r.cycle) {
    const c = r.cycle;
    lines.push('', '1. Uncontended cycle (ms per acquire+release; median [p10-p90])');
    row('dynamo-dlm acquire()+release()', `${f(c.libraryMs.median, 3)} [${f(c.libraryMs.p10)}-${f(c.libraryMs.p90)}]`);
    row('raw PutItem+DeleteItem', `${f(c.rawMs.median, 3)} [${f(c.rawMs.p10)}-${f(c.rawMs.p90)}]`);
    row('ratio of medians', f(c.ratio, 3), `block ratios p10-p90 ${f(c.blockRatio.p10, 3)}-${f(c.blockRatio.p90, 3)}`);
    const h = c.libraryRequestsByHandMs;
    row(
      '(diagnostic) lib requests by hand',
      `${f(h.median, 3)} [${f(h.p10)}-${f(h.p90)}]`,
      `vs floor ${f(c.requestShapeRatio, 3)}`,
    );
    if (c.cpuMsPerCycle) {
      const cpu = c.cpuMsPerCycle;
      row(
        'CPU ms/cycle (client+server)',
        `lib ${f(cpu.library.median, 3)}`,
        `raw ${f(cpu.raw.median, 3)}`,
        `by hand ${f(cpu.libraryRequestsByHand.median, 3)}`,
        `lib/raw ${f(c.cpuRatio, 3)}; lib/by hand ${f(c.libraryOverByHandCpu, 3)}`,
      );
    }
  }
  if (r.contention) {
    const c = r.contention;
    lines.push('', `2. Contention (${c.runs[0]?.windowMs / 1000} s per N; hold ${c.holdMs} ms; ${c.server})`);
    row('N', 'acq/s', '% of ideal', 'hand-off p50', 'hand-off p99', 'Jain', 'writes/acq');
    for (const x of [c.ideal, ...c.runs, ...(c.oneProcess ? [c.oneProcess] : [])]) {
      row(
        x.n === 1 ? '1 (ideal reference)' : x.processes === 1 ? `${x.n} in ONE process` : x.n,
        f(x.acqPerSec, 1),
        x.n === 1 ? '100' : f(100 * x.ofIdeal, 1),
        `${f(x.handoffMs.median)} ms`,
        `${f(x.handoffMs.p99)} ms`,
        f(x.jain, 3),
        f(x.writesPerAcq),
      );
    }
  }
  if (r.many) {
    const m = r.many;
    lines.push(
      '',
      `3. Many resources (${m.resources} resources, concurrency ${m.concurrency}; per second, median [p10-p90])`,
    );
    row(
      'dynamo-dlm cycles/s',
      `${f(m.libraryCyclesPerSec.median, 0)} [${f(m.libraryCyclesPerSec.p10, 0)}-${f(m.libraryCyclesPerSec.p90, 0)}]`,
    );
    row(
      'raw pairs/s',
      `${f(m.rawPairsPerSec.median, 0)} [${f(m.rawPairsPerSec.p10, 0)}-${f(m.rawPairsPerSec.p90, 0)}]`,
    );
    row('ratio of medians', f(m.ratio, 3), `pair ratios p10-p90 ${f(m.pairRatio.p10, 3)}-${f(m.pairRatio.p90, 3)}`);
  }
  if (r.held) {
    const h = r.held;
    lines.push(
      '',
      `4. Held locks at rest (${h.locks} auto-renewed locks, duration ${h.durationS} s, ${f(h.windowMs / 1000, 1)} s window)`,
    );
    row(
      'renewal writes/lock/min',
      `${f(h.measuredWritesPerLockPerMin, 2)} (configured ${f(h.configuredRenewalsPerLockPerMin, 1)})`,
    );
    row(
      'CPU while holding',
      `${f(h.cpuPercentHeld)} % (idle process ${f(h.cpuPercentIdle)} %), ${f(h.cpuMsPerRenewal, 3)} ms per renewal`,
    );
    row(
      'memory',
      `RSS ${f(h.memory.idleRssMB, 1)} -> ${f(h.memory.heldRssMB, 1)} MB; heap +${f(h.memory.heapKBPerLock)} KB per lock`,
    );
    row('locks lost', h.locksLost);
  }
  if (r.importCost) {
    const i = r.importCost;
    lines.push('', `5. Import cost (fresh process each, ${i.runs} runs each; median [p10-p90])`);
    for (const k of ['library', 'sdk']) {
      const x = i[k];
      row(
        x.specifier,
        `${f(x.importMs.median, 1)} ms [${f(x.importMs.p10, 1)}-${f(x.importMs.p90, 1)}]`,
        `heap +${f(x.heapMB.median)} MB`,
        `RSS +${f(x.rssMB.median, 1)} MB`,
      );
    }
  }
  if (r.otel) {
    const labels = { plain: 'not instrumented', noSdk: 'instrumentLocks(), no SDK', sdk: 'instrumentLocks(), SDK' };
    for (const [key, title] of [
      ['onServer', 'on dynalite'],
      ['libraryOnly', 'on a client that answers at once: the library alone'],
    ]) {
      const o = r.otel[key];
      lines.push(
        '',
        `OpenTelemetry overhead, uncontended cycle ${title} (${o.blocks} blocks of ${o.blockSize}; median [p10-p90])`,
      );
      row('arm', 'wall ms/cycle', 'CPU ms/cycle', 'wall ratio', 'CPU ratio', 'block ratios p10-p90');
      for (const n of ['plain', 'noSdk', 'sdk']) {
        const w = o.wallMs[n];
        const c = o.cpuMsPerCycle[n];
        const plain = n === 'plain';
        row(
          labels[n],
          `${f(w.median, 3)} [${f(w.p10, 3)}-${f(w.p90, 3)}]`,
          `${f(c.median, 3)} [${f(c.p10, 3)}-${f(c.p90, 3)}]`,
          plain ? '1' : f(o.ratio[n], 3),
          plain ? '1' : f(o.cpuRatio[n], 3),
          plain ? '' : `${f(o.blockRatio[n].p10, 3)}-${f(o.blockRatio[n].p90, 3)}`,
        );
      }
    }
  }
  if (r.waiting) lines.push(...waitingTable(r.waiting));
  if (r.transactions) lines.push(...transactionsTable(r.transactions));
  lines.push('', 'Targets');
  for (const v of verdicts(r)) lines.push(`  ${v.met ? 'MET   ' : 'MISSED'} ${v.target}: ${v.value}`);
  return lines.join('\n');
}
