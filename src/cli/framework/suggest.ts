/**
 * The candidate `input` was most likely meant to be, for "did you mean ...?": the only
 * candidate it begins (`dur` for `duration`), else the nearest by edit distance (a swap of two
 * neighbouring letters counts as one edit), within a third of the input's length and at least
 * one edit. Undefined when nothing is that close, or when two candidates are equally close. Pure.
 */
export function suggest(input: string, candidates: Iterable<string>): string | undefined {
  const names = [...candidates];
  const extended = input.length >= 2 ? names.filter((name) => name.startsWith(input)) : [];
  if (extended.length === 1) return extended[0];
  const limit = Math.max(1, Math.floor(input.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  let tie = false;
  for (const name of names) {
    const d = editDistance(input, name);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
      tie = false;
    } else if (d === bestDistance) {
      tie = true;
    }
  }
  return tie ? undefined : best;
}

/** Edits (insert, delete, replace, swap two neighbours) that turn `a` into `b`. Pure. */
export function editDistance(a: string, b: string): number {
  // Three rows of the table suffice: a swap looks two rows back.
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (before[j - 2] ?? 0) + 1);
      row.push(d);
    }
    before = previous;
    previous = row;
  }
  return previous[b.length] ?? 0;
}
