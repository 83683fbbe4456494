// Builds the library as it stood at a git commit, next to this checkout, so that a scenario can
// run today's code and that commit side by side in one run. Uses only the git history and the
// checkout's own TypeScript: `git archive REF src tsconfig*.json | tar -x` into
// bench/results/baseline-SHA/, a link to this checkout's node_modules (the SDK and tsc), then tsc.
// The build is cached by commit.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The last commit before the waiting policy (issue 10): the polling backoff every waiter used,
 * with the process-local line. Overridden with `--baseline=REF`.
 */
export const BASELINE_REF = '161b8b4';

/** Builds (or reuses) the baseline; returns the URL of its dist/index.js and its full commit. */
export function buildBaseline(ref = BASELINE_REF, log = () => undefined) {
  const sha = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: ROOT, encoding: 'utf8' }).trim();
  const dir = `${ROOT}bench/results/baseline-${sha.slice(0, 12)}/`;
  const index = `${dir}dist/index.js`;
  if (!existsSync(index)) {
    log(`building the baseline library at ${sha.slice(0, 12)} in ${dir}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const archive = execFileSync(
      'git',
      ['archive', sha, 'src', 'tsconfig.json', 'tsconfig.build.json', 'package.json'],
      {
        cwd: ROOT,
        maxBuffer: 64 * 2 ** 20,
      },
    );
    execFileSync('tar', ['-x', '-C', dir], { input: archive });
    symlinkSync(`${ROOT}node_modules`, `${dir}node_modules`, 'dir');
    execFileSync(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, '-p', `${dir}tsconfig.build.json`], {
      cwd: dir,
      stdio: 'inherit',
    });
  }
  return { sha, index: new URL(`file://${index}`).href };
}
