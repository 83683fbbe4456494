import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

/**
 * The packed tarball, installed into a throwaway project, works for every kind of consumer
 * (see scripts/check-package.mjs for what each check does). It uses the `dist/` that
 * `npm test` builds first: rebuilding here would rewrite files under other tests' child processes.
 */
test('the packed package installs and works from ESM, CommonJS and TypeScript; publint and attw are clean', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const result = spawnSync(process.execPath, ['scripts/check-package.mjs', '--skip-build'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout}\n${result.stderr}`;
  const passed = result.stdout.split('\n').filter((line) => line.startsWith('ok - '));
  const failed = result.stdout.split('\n').filter((line) => line.startsWith('not ok - '));

  expect(failed, output).toEqual([]);
  for (const name of [
    'manifest',
    'tarball',
    'Markdown links',
    'published types: no test seam',
    'ESM import',
    'CommonJS require',
    'moduleResolution node16',
    'moduleResolution bundler',
    'moduleResolution nodenext',
    'without @opentelemetry/api',
    'opentelemetry ESM import',
    'opentelemetry CommonJS require',
    'opentelemetry TypeScript consumer, moduleResolution node16',
    'opentelemetry TypeScript consumer, moduleResolution bundler',
    'opentelemetry TypeScript consumer, moduleResolution nodenext',
    'publint --strict',
    'attw --profile esm-only',
  ]) {
    expect(
      passed.some((line) => line.includes(name)),
      `check "${name}" did not pass:\n${output}`,
    ).toBe(true);
  }
  expect(result.status, output).toBe(0);
}, 300_000);
