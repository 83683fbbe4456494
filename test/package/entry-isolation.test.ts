/**
 * Only `dynamo-dlm/opentelemetry` may load `@opentelemetry/api` (an optional peer): the static
 * import graph of every other entry point (the main one, `dynamo-dlm/testing`, the CLI) reaches
 * neither the API nor the instrumentation's modules. (scripts/check-package.mjs proves the same
 * on the installed package, without the API installed.)
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const src = fileURLToPath(new URL('../../src/', import.meta.url));

/** Every module `entry` reaches by static or dynamic import, relative ones as files, others by specifier. */
function reach(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const [, specifier] of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)['"]([^'"]+)['"]/gm)) {
      if (specifier === undefined) continue;
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else packages.add(specifier);
    }
  };
  visit(join(src, entry));
  return { files, packages };
}

const otel = (packages: Set<string>) => [...packages].filter((p) => p.startsWith('@opentelemetry/'));

describe('which entry points load @opentelemetry/api', () => {
  test.each(['index.ts', 'testing.ts', 'cli/main.ts'])(
    '%s reaches neither the API nor the instrumentation',
    (entry) => {
      const { files, packages } = reach(entry);
      expect(files.size).toBeGreaterThan(entry === 'testing.ts' ? 3 : 20);
      expect(otel(packages)).toEqual([]);
      expect([...files].filter((f) => f.includes(`${join(src, 'opentelemetry')}`))).toEqual([]);
    },
  );

  test('opentelemetry.ts does, and reaches the core through its hooks', () => {
    const { files, packages } = reach('opentelemetry.ts');
    expect(otel(packages)).toEqual(['@opentelemetry/api']);
    expect(packages).toContain('node:diagnostics_channel');
    expect(files).toContain(join(src, 'events.ts'));
  });
});
