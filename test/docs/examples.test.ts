import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

/**
 * The TypeScript examples of README.md and docs/ compile against the built package and the
 * complete ones run (see scripts/check-examples.mjs for how). It uses the `dist/` that
 * `npm test` builds first: rebuilding here would rewrite files under other tests' child processes.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));

function check(...files: string[]) {
  const result = spawnSync(process.execPath, ['scripts/check-examples.mjs', '--skip-build', ...files], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = result.stdout.split('\n');
  return {
    status: result.status,
    output: `${result.stdout}\n${result.stderr}`,
    passed: lines.filter((line) => line.startsWith('ok - ')),
    failed: lines.filter((line) => line.startsWith('not ok - ')),
  };
}

describe('documentation examples', () => {
  test('every TypeScript block of README.md and docs/ type-checks, and every program runs', () => {
    const { status, output, passed, failed } = check();
    expect(failed, output).toEqual([]);
    // The README's four examples are complete programs, run against an embedded DynamoDB.
    const readme = passed.filter((line) => line.startsWith('ok - README.md:'));
    expect(
      readme.filter((line) => line.includes('(program) type-checks and runs')),
      output,
    ).toHaveLength(4);
    expect(passed.length, output).toBeGreaterThanOrEqual(20);
    expect(status, output).toBe(0);
  }, 300_000);

  test('a block that drifted from the API, fails when run, or uses an undeclared name fails the check', () => {
    const { status, output, passed, failed } = check('test/docs/.fixtures/drifted.md');
    expect(
      failed.map((line) => line.replace(/ \(\d+ ms\)$/, '')),
      output,
    ).toEqual([
      'not ok - test/docs/.fixtures/drifted.md:27 (fragment) type-checks',
      'not ok - test/docs/.fixtures/drifted.md:8 (program) type-checks',
      'not ok - test/docs/.fixtures/drifted.md:17 (program) type-checks and runs',
    ]);
    expect(output).toContain("drifted.md:11:12: error TS2551: Property 'aquire' does not exist");
    expect(output).toContain('AlreadyAcquiredError');
    expect(output).toContain("drifted.md:29:7: error TS2304: Cannot find name 'undeclaredHelper'");
    expect(passed, output).toEqual([expect.stringMatching(/^ok - test\/docs\/\.fixtures\/drifted\.md:35 \(program\)/)]);
    expect(status, output).toBe(1);
  }, 120_000);
});
