// The waiting scenario's table (issue 19): every row on every server, the baseline build and this
// checkout one under the other, each figure as a ratio to the baseline or to the contract
// (bench/lib/contract.mjs), then what each row has of its own. Markdown, so that a run's table can
// go into docs/bench/README.md as printed.

const f = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
const ms = (v) => f(v, 0);

/** "value (ratio of limit)" where the row has that target. */
function ofLimit(verdicts, figure, value, d) {
  const v = verdicts.find((x) => x.figure === figure);
  return v === undefined ? f(value, d) : `${f(value, d)} (${f(v.ratio)} of ${f(v.limit, d)})`;
}

function contractCell(verdicts) {
  const missed = verdicts.filter((v) => !v.met);
  if (missed.length === 0) return 'met';
  return `MISSED: ${missed.map((v) => `${v.figure} ${f(v.value, v.value < 10 ? 2 : 0)}`).join('; ')}`;
}

function notes(x) {
  const out = [];
  if (x.afterLongHold !== undefined) {
    const a = x.afterLongHold;
    out.push(
      `${f(a.acqPerSecAfterRelease, 1)} acq/s in the ${a.phaseS} s after the long hold, ${f(a.acqPerSecAtEnd, 1)} in the last ${a.phaseS} s`,
    );
  }
  if (x.standbyHandoffMs !== undefined) {
    const h = x.standbyHandoffMs;
    out.push(`hand-off after the long hold p10/p50/p90 ${ms(h.p10)}/${ms(h.median)}/${ms(h.p90)} ms over ${h.n} locks`);
  }
  if (x.waiters !== undefined) out.push(`${x.waitersAcquired}/${x.waiters} waiters acquired`);
  if (x.writes.throttled > 0)
    out.push(
      `${f(x.writeRatePerSec, 0)} writes/s sent, ${f(x.acceptedWriteRatePerSec, 0)}/s accepted, ${x.writes.throttled} throttled`,
    );
  if (x.events.lost > 0) out.push(`${x.events.lost} leases LOST`);
  if (x.releasesFailed > 0) out.push(`${x.releasesFailed} releases FAILED (no idle counted after them)`);
  if (x.failures > 0) out.push(`${x.failures} calls FAILED`);
  const groups = Object.entries(x.acquisitionsByGroup);
  if (groups.length > 1) out.push(`acquisitions: ${groups.map(([g, n]) => `${g} ${n}`).join(', ')}`);
  const gaveUp = Object.entries(x.outcomes).filter(([k]) => k !== 'acquired' && k !== 'ended');
  if (gaveUp.length > 0) out.push(`calls that gave up: ${gaveUp.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  out.push(
    `writes: ${Object.entries(x.writesByKind)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  );
  return out.join('; ');
}

/** Lines for `results.waiting`. */
export function waitingTable(w) {
  const lines = [
    '',
    `6. Waiting across processes: the contract of issue 19 (${w.libs.baseline} against ${w.libs.current}; writes counted at the server; seed ${w.seed})`,
    '',
    '| row | server | build | acq/s | of baseline | writes/acq | waiting writes/waiter-min | Jain | hand-off p50 / p99 ms | idle p50 / p99 / max ms | idle p99 / bound | idle over bound | contract |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const notesLines = [];
  for (const [server, s] of Object.entries(w.servers)) {
    for (const [name, builds] of Object.entries(s.rows)) {
      for (const [build, x] of Object.entries(builds)) {
        const v = x.verdicts;
        const through = v.find((y) => y.figure === 'acquisitions/s of baseline');
        const i = x.idle;
        lines.push(
          `| ${name} | ${s.name ?? server} | ${build} | ${f(x.acqPerSec)} | ${through === undefined ? '' : f(through.ratio)} | ${f(x.writesPerAcq)} | ${ofLimit(v, 'waiting writes per waiter-minute', x.writesPerWaiterMinute, 1)} | ${x.jain === undefined ? '' : f(x.jain, 3)} | ${ms(x.handoffMs.median)} / ${ms(x.handoffMs.p99)} | ${ms(i.median)} / ${ms(i.p99)} / ${ms(i.max)} | ${f(i.p99OfBound)} | ${i.overBound} of ${i.n} | ${contractCell(v)} |`,
        );
        notesLines.push(`- ${name}, ${s.name ?? server}, ${build}: ${notes(x)}`);
      }
    }
  }
  return [...lines, '', ...notesLines];
}
