// Seeded randomness for the waiting workloads, so that the baseline build and this checkout see
// the same hold times in the same order, and a failing randomized test can be run again as it was.

/** A uniform generator on [0, 1) from a 32-bit seed (mulberry32: small, fast, good enough here). */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box-Muller). */
function normal(random) {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * One hold time, ms, from a spec:
 * - a number: that many ms, always;
 * - `{ kind: 'lognormal', medianMs, sigma, maxMs }`: heavy-tailed, capped;
 * - `{ kind: 'mix', parts: [{ weight, minMs, maxMs }] }`: a part chosen by weight, then uniform in it.
 */
export function drawMs(spec, random) {
  if (typeof spec === 'number') return spec;
  if (spec.kind === 'lognormal') return Math.min(spec.maxMs, spec.medianMs * Math.exp(spec.sigma * normal(random)));
  if (spec.kind === 'mix') {
    const total = spec.parts.reduce((a, p) => a + p.weight, 0);
    let pick = random() * total;
    for (const part of spec.parts) {
      pick -= part.weight;
      if (pick < 0) return part.minMs + random() * (part.maxMs - part.minMs);
    }
    const last = spec.parts[spec.parts.length - 1];
    return last.minMs + random() * (last.maxMs - last.minMs);
  }
  throw new Error(`unknown hold spec ${JSON.stringify(spec)}`);
}
