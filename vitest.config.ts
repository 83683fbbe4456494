import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Integration tests start child processes and wait on real leases; the machine has two cores.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // `npm run test:coverage`. Only the library counts: the CLI runs as a child process in its
    // tests (V8 coverage is collected in the test workers only), and the testing helper runs in
    // the global setup. The thresholds sit a little under what the suite reaches, so that a change
    // that adds untested branches fails, while the timing-dependent paths (which branch a retry
    // takes on a loaded machine) cannot make the run flaky.
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/cli/**', 'src/testing.ts', 'src/**/*.d.ts'],
      reporter: ['text', 'html', 'json-summary'],
      thresholds: { lines: 85, statements: 85, functions: 85, branches: 75 },
    },
  },
});
