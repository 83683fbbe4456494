import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

// The SDK's notice that future releases need Node 22 says nothing about this project and would
// repeat in the global setup, every worker and every child process; its own switch turns it off
// (set here, in the main process, so that all of them inherit it).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * The test tiers, chosen by where a file is and what it is named, so that a new file lands in
 * its tier without an edit here:
 * - `unit`: test/unit/ and test/types/. Pure: no server, no child process, no Java, no build.
 *   No global setup either, so a test there that asks for a server fails at once.
 * - `processes`: every `*-processes.test.ts` (several processes on one lock, started from
 *   `dist/`), and test/package/ (the packed tarball in a consumer project).
 * - `integration`: every other test file: the lock on real servers, in-process, and the CLI.
 * The two server tiers share one dynalite and one DynamoDB Local per run (the global setup).
 */
const UNIT = ['test/unit/**/*.test.ts', 'test/types/**/*.test.ts'];
const PROCESSES = ['test/**/*-processes.test.ts', 'test/package/**/*.test.ts'];
const SERVERS = ['test/support/global-setup.ts'];

export default defineConfig({
  test: {
    // Integration tests start child processes and wait on real leases; the machine has two cores.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most of a server test's time is spent waiting on leases, timers and other processes, not
    // computing, so one file more than there are cores runs at a time (vitest's default is one
    // fewer: a single worker on two cores). More than that lost time on two cores, as each
    // worker loads the SDK and collects coverage again. On a machine busy with other work,
    // `npm test -- --maxWorkers=1` runs one file at a time.
    maxWorkers: availableParallelism() + 1,
    projects: [
      // Unit files share their worker's modules (no isolation): each would otherwise load the
      // SDK again, which was half the tier's time. Pure tests keep no state across files (those
      // that change `defaults` reset them), and a random file order passes.
      { extends: true, test: { name: 'unit', include: UNIT, isolate: false } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...UNIT, ...PROCESSES],
          globalSetup: SERVERS,
        },
      },
      { extends: true, test: { name: 'processes', include: PROCESSES, globalSetup: SERVERS } },
    ],
    // `npm test` and `npm run test:coverage`. The library and the CLI count. Left out: the CLI's
    // process entry (main.ts: argv, process.exit), the demo command (it starts its workers as
    // child processes of the built CLI; test/cli/demo runs it end to end, and its checker and
    // worker in-process), and the testing helper, which runs in the global setup. The CLI's
    // commands are tested in-process where a process is not the point, since V8 coverage is
    // collected in the test workers only. At 0.1.0 the suite reached about 93% statements, 87%
    // branches, 92% functions and 94% lines with dynalite alone (DynamoDB Local adds the TTL
    // paths). The thresholds sit a few points under that, so that a change adding untested code
    // fails, while timing-dependent paths (which branch a retry takes on a loaded machine) cannot
    // make the run flaky.
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/cli/main.ts', 'src/cli/demo/demo.ts', 'src/testing.ts', 'src/**/*.d.ts'],
      reporter: ['text', 'html', 'json-summary'],
      // The CLI on its own (dynalite alone, after the in-process tests): 92.5% statements, 82.5%
      // branches, 94.6% functions, 94% lines; its gate sits a few points under, as above.
      thresholds: {
        lines: 90,
        statements: 90,
        functions: 88,
        branches: 80,
        'src/cli/**': { lines: 90, statements: 88, functions: 90, branches: 77 },
      },
    },
  },
});
