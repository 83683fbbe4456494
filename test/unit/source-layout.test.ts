/**
 * The source tree keeps the shape docs/design.md's map gives it: every folder of `src/` has a
 * change rule, stated in the map and in the folder's README.md alike, and imports run down the
 * layers, never back up. Reads files only.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const src = join(root, 'src');

/** The layers of the map, bottom first: a file may import from its own layer and those below. */
const LAYERS: readonly (readonly string[])[] = [
  ['runtime/', 'error-base.ts', 'errors.ts', 'events.ts'],
  ['item/'],
  ['options/', 'defaults.ts'],
  ['lease/'],
  ['acquire/'],
  ['transaction/'],
  ['*.ts'], // the other files at the root: the public entry points
  ['election/', 'leader-election.ts'],
  ['opentelemetry/', 'opentelemetry.ts'],
  ['index.ts'], // the one export list
  ['cli/'],
];

/**
 * Imports that run back up the layers, each in a file another change was rewriting when the
 * layers were set down (the `import type`s among them included: a type names the design too).
 * Remove a line when its import goes; add one only with its reason in the commit message.
 */
const KNOWN_UPWARD: ReadonlySet<string> = new Set([
  'events.ts -> election/options.ts',
  'events.ts -> leader-election.ts',
  'events.ts -> lock.ts',
  'lease/lease.ts -> acquire/hold-average.ts',
  'lease/lease.ts -> acquire/process-line.ts',
  'runtime/context.ts -> item/attributes.ts',
  'runtime/context.ts -> item/requests.ts',
  'runtime/context.ts -> lock.ts',
  'runtime/context.ts -> options/lock-options.ts',
  'runtime/lock-memory.ts -> item/queue-view.ts',
  'runtime/sdk-errors.ts -> item/attributes.ts',
]);

const RULES = ['wire contract', 'semver surface', 'tuning', 'free to refactor'] as const;

/** Every `.ts` file under `src/`, relative to it, with `/` separators. */
function sources(): string[] {
  return readdirSync(src, { recursive: true, encoding: 'utf8' })
    .map((file) => file.split('\\').join('/'))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
}

function layerOf(file: string): number {
  const exact = LAYERS.findIndex((layer) => layer.includes(file));
  if (exact >= 0) return exact;
  const folder = file.includes('/') ? `${file.split('/')[0]}/` : '*.ts';
  const layer = LAYERS.findIndex((names) => names.includes(folder));
  if (layer < 0) throw new Error(`src/${file}: its folder has no layer; add it to the map and to LAYERS`);
  return layer;
}

/** `from` imports `to`, both relative to `src/`, for every relative import in the tree. */
function imports(): { from: string; to: string }[] {
  return sources().flatMap((from) => {
    const text = readFileSync(join(src, from), 'utf8');
    return [...text.matchAll(/\bfrom\s+'(\.{1,2}\/[^']+)'/g)].map(([, specifier]) => ({
      from,
      to: relative(src, join(src, dirname(from), specifier!.replace(/\.js$/, '.ts')))
        .split('\\')
        .join('/'),
    }));
  });
}

/** The first of the four rules named in `text`, or undefined. */
function firstRule(text: string): string | undefined {
  const lower = text.toLowerCase();
  const at = RULES.map((rule) => ({ rule, index: lower.indexOf(rule) })).filter(({ index }) => index >= 0);
  return at.sort((a, b) => a.index - b.index)[0]?.rule;
}

describe('imports run down the layers', () => {
  const all = imports();

  test('every import goes to the same layer or one below, but for the known exceptions', () => {
    const upward = all
      .filter(({ from, to }) => layerOf(to) > layerOf(from))
      .map(({ from, to }) => `${from} -> ${to}`)
      .filter((edge) => !KNOWN_UPWARD.has(edge));
    expect(upward, 'an import runs back up the layers of docs/design.md').toEqual([]);
  });

  test('every known exception still occurs (remove the ones that are gone)', () => {
    const edges = new Set(all.map(({ from, to }) => `${from} -> ${to}`));
    expect([...KNOWN_UPWARD].filter((edge) => !edges.has(edge))).toEqual([]);
  });

  test('the layers are read from the real tree', () => {
    expect(all.length).toBeGreaterThan(100);
    expect(layerOf('runtime/clock.ts')).toBeLessThan(layerOf('item/requests.ts'));
    expect(layerOf('lock.ts')).toBeLessThan(layerOf('cli/cli.ts'));
  });
});

describe('every folder states its change rule, in the map and in its README.md alike', () => {
  const design = readFileSync(join(root, 'docs', 'design.md'), 'utf8');
  const mapStart = design.indexOf('## Map');
  const map = design.slice(mapStart, design.indexOf('\n## ', mapStart + 1));
  /** The rule in the map's row for `src/<folder>/`. */
  const mapRule = (folder: string): string | undefined => {
    const row = map.split('\n').find((line) => line.startsWith(`| \`src/${folder}/\` `));
    return row === undefined ? undefined : firstRule(row.split('|')[2] ?? '');
  };
  const folders = readdirSync(src, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);

  test('docs/design.md opens with the map', () => {
    expect(mapStart).toBeGreaterThan(0);
    expect(design.slice(0, mapStart).match(/\n## /g)).toBeNull();
  });

  test.each(folders)('src/%s/', (folder) => {
    const readme = readFileSync(join(src, folder, 'README.md'), 'utf8');
    const stated = /\*\*Change rule: ([^*]+)\*\*/.exec(readme)?.[1];
    expect(stated, `src/${folder}/README.md has no "**Change rule: ...**"`).toBeDefined();
    expect(mapRule(folder), `docs/design.md's map has no row for src/${folder}/`).toBeDefined();
    expect(firstRule(stated!)).toBe(mapRule(folder));
  });
});

describe('the map names the tree as it is', () => {
  const design = readFileSync(join(root, 'docs', 'design.md'), 'utf8');
  const mapStart = design.indexOf('## Map');
  const map = design.slice(mapStart, design.indexOf('\n## ', mapStart + 1));
  /** The rows of the table of files, the last of the map. */
  const fileRows = map
    .slice(map.indexOf('| file '))
    .split('\n')
    .filter((line) => line.startsWith('| `src/'));
  const files = readdirSync(src, { recursive: true, encoding: 'utf8' })
    .map((file) => file.split('\\').join('/'))
    .filter((file) => file.endsWith('.ts'));

  /**
   * Named by its path, by its name in a row of its folder (`src/runtime/package-version.ts`,
   * `deferred.ts`), or by the row of a folder it is in, where the map describes a folder whole.
   */
  const named = (file: string): boolean => {
    if (map.includes(`src/${file}`)) return true;
    const parts = file.split('/');
    const name = parts.pop()!;
    if (fileRows.some((row) => row.includes(`src/${parts.join('/')}/`) && row.includes(`\`${name}\``))) return true;
    return parts.some((_, i) =>
      fileRows.some((row) => row.startsWith(`| \`src/${parts.slice(0, i + 1).join('/')}/\` `)),
    );
  };

  test('every file under src/ is in the map: by its path, or in a row of its folder', () => {
    expect(files.length).toBeGreaterThan(80);
    expect(files.filter((file) => !named(file))).toEqual([]);
  });

  test('every path the map names exists (a move or a rename updates the map)', () => {
    const paths = [...map.matchAll(/`(src\/[^`*]+)`/g)].map(([, path]) => path!);
    expect(paths.length).toBeGreaterThan(40);
    expect(paths.filter((path) => !existsSync(join(root, path)))).toEqual([]);
  });
});
