// A hand-written SVG chart of one results set: one small horizontal bar panel per figure,
// medians as bars, p10-p90 as whiskers, targets as dashed lines. No chart dependency.

const W = 460;
const ROW = 26;
const PAD = { top: 34, left: 150, right: 70, bottom: 22 };
const COLORS = { library: '#2f6fb0', baseline: '#9a9a9a', other: '#d08a2a' };

function esc(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

function fmt(v) {
  if (!Number.isFinite(v)) return 'n/a';
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/**
 * One panel. `bars`: [{ label, value, lo?, hi?, kind: 'library'|'baseline'|'other' }];
 * `target`: { value, label } drawn as a dashed line.
 */
function panel(x, y, { title, unit, bars, target }) {
  const h = PAD.top + bars.length * ROW + PAD.bottom;
  const max = Math.max(...bars.map((b) => b.hi ?? b.value), target?.value ?? 0) * 1.1 || 1;
  const plotW = W - PAD.left - PAD.right;
  const sx = (v) => PAD.left + (Math.max(0, v) / max) * plotW;
  const parts = [
    `<g transform="translate(${x},${y})">`,
    `<rect width="${W}" height="${h}" fill="#fff" stroke="#ddd"/>`,
    `<text x="10" y="20" font-weight="bold">${esc(title)} <tspan font-weight="normal" fill="#666">(${esc(unit)})</tspan></text>`,
  ];
  bars.forEach((b, i) => {
    const cy = PAD.top + i * ROW;
    parts.push(
      `<text x="${PAD.left - 6}" y="${cy + 15}" text-anchor="end">${esc(b.label)}</text>`,
      `<rect x="${PAD.left}" y="${cy + 4}" width="${Math.max(1, sx(b.value) - PAD.left).toFixed(1)}" height="${ROW - 10}" fill="${COLORS[b.kind ?? 'library']}"/>`,
    );
    if (b.lo !== undefined && b.hi !== undefined) {
      const [l, r] = [sx(b.lo).toFixed(1), sx(b.hi).toFixed(1)];
      parts.push(
        `<path d="M${l},${cy + 12}H${r}M${l},${cy + 7}V${cy + 17}M${r},${cy + 7}V${cy + 17}" stroke="#222" fill="none"/>`,
      );
    }
    parts.push(
      `<text x="${Math.max(sx(b.value), sx(b.hi ?? 0)) + 5}" y="${cy + 15}" fill="#333">${fmt(b.value)}</text>`,
    );
  });
  if (target !== undefined) {
    const tx = sx(target.value).toFixed(1);
    parts.push(
      `<path d="M${tx},${PAD.top - 4}V${h - PAD.bottom + 2}" stroke="#c0392b" stroke-dasharray="4 3"/>`,
      `<text x="${tx}" y="${h - 6}" text-anchor="middle" fill="#c0392b">${esc(target.label)}</text>`,
    );
  }
  parts.push('</g>');
  return { svg: parts.join('\n'), height: h };
}

function panelsFor(r) {
  const out = [];
  if (r.cycle) {
    const c = r.cycle;
    out.push({
      title: 'Uncontended acquire+release',
      unit: 'ms per cycle, median, p10-p90',
      bars: [
        { label: 'dynamo-dlm', value: c.libraryMs.median, lo: c.libraryMs.p10, hi: c.libraryMs.p90 },
        { label: 'raw Put+Delete', value: c.rawMs.median, lo: c.rawMs.p10, hi: c.rawMs.p90, kind: 'baseline' },
      ],
      target: { value: c.rawMs.median * 1.05, label: 'floor x1.05' },
    });
  }
  if (r.contention) {
    const runs = [...r.contention.runs, ...(r.contention.oneProcess ? [r.contention.oneProcess] : [])];
    const label = (x) => (x.processes === 1 && x.n > 1 ? `N=${x.n}, one process` : `N=${x.n} processes`);
    out.push({
      title: 'Contention: throughput',
      unit: '% of ideal (one holder back to back)',
      bars: runs.map((x) => ({ label: label(x), value: 100 * x.ofIdeal })),
      target: { value: 70, label: 'target 70%' },
    });
    out.push({
      title: 'Contention: write requests',
      unit: 'per successful acquisition, at the server',
      bars: runs.map((x) => ({ label: label(x), value: x.writesPerAcq })),
      target: { value: 3, label: 'target 3' },
    });
    out.push({
      title: 'Contention: hand-off',
      unit: 'ms from release() to next grant, p50 bar, p10-p99',
      bars: [r.contention.ideal, ...runs].map((x) => ({
        label: x.n === 1 ? 'N=1 (ideal)' : label(x),
        value: x.handoffMs.median,
        lo: x.handoffMs.p10,
        hi: x.handoffMs.p99,
        kind: x.n === 1 ? 'baseline' : 'library',
      })),
    });
    out.push({
      title: 'Contention: fairness',
      unit: "Jain's index over per-worker acquisitions",
      bars: runs.map((x) => ({ label: label(x), value: x.jain })),
      target: { value: 0.9, label: 'target 0.9' },
    });
  }
  if (r.many) {
    const m = r.many;
    out.push({
      title: `${m.resources} resources, concurrency ${m.concurrency}`,
      unit: 'cycles/s, median, p10-p90',
      bars: [
        {
          label: 'dynamo-dlm',
          value: m.libraryCyclesPerSec.median,
          lo: m.libraryCyclesPerSec.p10,
          hi: m.libraryCyclesPerSec.p90,
        },
        {
          label: 'raw Put+Delete',
          value: m.rawPairsPerSec.median,
          lo: m.rawPairsPerSec.p10,
          hi: m.rawPairsPerSec.p90,
          kind: 'baseline',
        },
      ],
      target: { value: m.rawPairsPerSec.median * 0.9, label: 'floor x0.9' },
    });
  }
  if (r.held) {
    const h = r.held;
    out.push({
      title: `${h.locks} held locks at rest`,
      unit: 'renewal writes per lock per minute',
      bars: [
        { label: 'measured', value: h.measuredWritesPerLockPerMin },
        { label: 'configured', value: h.configuredRenewalsPerLockPerMin, kind: 'baseline' },
      ],
    });
  }
  if (r.importCost) {
    const i = r.importCost;
    out.push({
      title: 'Import cost',
      unit: 'ms in a fresh process, median, p10-p90',
      bars: [
        {
          label: 'dynamo-dlm',
          value: i.library.importMs.median,
          lo: i.library.importMs.p10,
          hi: i.library.importMs.p90,
        },
        {
          label: 'SDK client alone',
          value: i.sdk.importMs.median,
          lo: i.sdk.importMs.p10,
          hi: i.sdk.importMs.p90,
          kind: 'baseline',
        },
      ],
    });
  }
  return out;
}

/** The whole chart as an SVG document. */
export function chart(results) {
  const specs = panelsFor(results);
  const cols = 2;
  const gap = 12;
  const header = 46;
  const rendered = [];
  const colY = Array(cols).fill(header);
  specs.forEach((spec, i) => {
    const col = i % cols;
    const p = panel(gap + col * (W + gap), colY[col], spec);
    colY[col] += p.height + gap;
    rendered.push(p.svg);
  });
  const width = gap + cols * (W + gap);
  const height = Math.max(...colY);
  const m = results.machine;
  const subtitle = `${m.date} · ${m.cpus} × ${m.cpuModel} · Node ${m.node} · ${results.quick ? 'quick run' : 'full run'} · dynalite on 127.0.0.1`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<title>dynamo-dlm benchmark: ${esc(subtitle)}</title>`,
    `<rect width="100%" height="100%" fill="#f7f7f7"/>`,
    `<text x="${gap}" y="22" font-size="16" font-weight="bold">dynamo-dlm benchmark</text>`,
    `<text x="${gap}" y="38" fill="#555">${esc(subtitle)}</text>`,
    ...rendered,
    '</svg>',
    '',
  ].join('\n');
}
