// The printed table of the transactions scenario (--only=tx).
const f = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');

/** Lines for the terminal, from `results.transactions`. */
export function transactionsTable(t) {
  const lines = [];
  const row = (...cells) => lines.push(cells.map((c, i) => String(c).padEnd(i === 0 ? 40 : 34)).join(''));
  const c = t.cycle;
  lines.push(
    '',
    `Transactions on ${t.server}: multi-lock [a, b] vs two single locks a then b (${c.cycles} cycles each)`,
  );
  row('', 'multi-lock', 'two single locks');
  row(
    'ms per cycle, median [p10-p90]',
    `${f(c.multiLock.ms.median, 2)} [${f(c.multiLock.ms.p10)}-${f(c.multiLock.ms.p90)}]`,
    `${f(c.twoSingleLocks.ms.median, 2)} [${f(c.twoSingleLocks.ms.p10)}-${f(c.twoSingleLocks.ms.p90)}]`,
  );
  row('requests per cycle', f(c.multiLock.requestsTotal), f(c.twoSingleLocks.requestsTotal));
  for (const op of new Set([...Object.keys(c.multiLock.requests), ...Object.keys(c.twoSingleLocks.requests)])) {
    row(`  ${op}`, f(c.multiLock.requests[op] ?? 0), f(c.twoSingleLocks.requests[op] ?? 0));
  }
  row('write units per cycle (billed)', f(c.multiLock.writeUnits), f(c.twoSingleLocks.writeUnits));
  row('read units per cycle (billed)', f(c.multiLock.readUnits), f(c.twoSingleLocks.readUnits));
  row(
    '$ per million cycles (on demand)',
    f(c.multiLock.dollarsPerMillionCycles, 3),
    f(c.twoSingleLocks.dollarsPerMillionCycles, 3),
  );
  row(
    'latency ratio (medians)',
    f(c.latencyRatio, 3),
    `blocks p10-p90 ${f(c.blockRatio.p10, 2)}-${f(c.blockRatio.p90, 2)}`,
  );
  const p = t.paused;
  lines.push('', `Paused holder, separate process, SIGSTOP past a 1 s lease (${p.rounds} rounds)`);
  row('stale writes committed', p.staleWritesCommitted);
  row(
    'outcomes of the write after the pause',
    Object.entries(p.outcomes)
      .map(([k, n]) => `${n} x ${k}`)
      .join('; '),
  );
  row('writes before the pause / by the taker', `${p.holderWritesBeforePause} / ${p.takerWrites}`);
  row('pause, ms median [p10-p90]', `${f(p.pauseMs.median, 0)} [${f(p.pauseMs.p10, 0)}-${f(p.pauseMs.p90, 0)}]`);
  const m = t.mix;
  lines.push(
    '',
    `Overlapping locks on a, b, c (${m.iterations} holdings per process${m.python ? ', Python 1.x on c' : ', no Python'})`,
  );
  row(
    'overlaps (in time / witness)',
    `${m.overlapsInTime} / ${m.processes.reduce((n, x) => n + (x.witnessOverlaps ?? 0), 0)}`,
  );
  row(
    'witness counts a, b, c',
    `${m.witnessCounts.a}, ${m.witnessCounts.b}, ${m.witnessCounts.c}`,
    `expected ${m.expectedCounts.a}, ${m.expectedCounts.b}, ${m.expectedCounts.c}`,
  );
  row('every process finished', m.allFinished, `wall ${f(m.wallSeconds, 1)} s`);
  for (const x of m.processes) row(`  ${x.who} ${x.ids}`, `${x.holdings} holdings in ${f(x.seconds, 1)} s`);
  return lines;
}
