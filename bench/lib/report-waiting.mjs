// The waiting scenarios' table (issue 10): each row on each server, the baseline build and this
// checkout side by side.

const f = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');

/** Plain-text lines for `results.waiting`. */
export function waitingTable(w) {
  const lines = [
    '',
    `6. Waiting across processes (writes counted at the server; ${w.libs.baseline} vs ${w.libs.current})`,
  ];
  const cols = [
    'row / build',
    'acq',
    'acq/s',
    'of ideal',
    'writes/acq',
    'w/waiter-min',
    'hand-off p50',
    'Jain',
    'other',
  ];
  const widths = [30, 6, 8, 9, 11, 13, 13, 7, 0];
  const row = (...cells) => lines.push(cells.map((c, i) => String(c).padEnd(widths[i])).join(''));
  for (const [server, s] of Object.entries(w.servers)) {
    lines.push('', `  on ${s.name ?? server}`);
    row(...cols);
    for (const [name, builds] of Object.entries(s.rows)) {
      for (const [build, x] of Object.entries(builds)) {
        const other = [];
        if (x.standbyHandoffMs !== undefined) {
          const h = x.standbyHandoffMs;
          other.push(`after the long hold p50 ${f(h.median, 0)} ms of ${h.n} (p10 ${f(h.p10, 0)}, p90 ${f(h.p90, 0)})`);
        }
        if (x.waiters !== undefined) other.push(`${x.waitersAcquired}/${x.waiters} waiters acquired`);
        if (x.writes.throttled > 0)
          other.push(
            `${x.writes.throttled} throttled; ${f(x.writeRatePerSec, 0)} sent/s, ${f(x.acceptedWriteRatePerSec, 0)} accepted/s`,
          );
        if (x.events.lost > 0) other.push(`${x.events.lost} LOST`);
        if (x.exclusionViolations > 0) other.push(`${x.exclusionViolations} OVERLAPS`);
        row(
          `${name} ${build}`,
          x.acquisitions,
          f(x.acqPerSec),
          x.ofIdeal === undefined ? '' : f(x.ofIdeal),
          f(x.writesPerAcq),
          f(x.writesPerWaiterMinute, 1),
          `${f(x.handoffMs.median, 0)} ms`,
          x.jain === undefined ? '' : f(x.jain, 3),
          other.join('; '),
        );
      }
    }
  }
  return lines;
}
