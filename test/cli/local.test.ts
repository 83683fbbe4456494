import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { main } from '../../src/cli/cli.js';
import { exportLines } from '../../src/cli/commands/local.js';
import { cleanEnv, runCli, startCli, waitFor } from './cli-process.js';
import { fakeIo, runMain } from './fake-io.js';

const dir = mkdtempSync(join(tmpdir(), 'dynamo-dlm-local-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Parses the `export NAME=value` lines `local` prints. */
function exportsOf(stdout: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const match of stdout.matchAll(/^export ([A-Z_]+)=(.*)$/gm)) env[match[1] ?? ''] = match[2] ?? '';
  return env;
}

describe('dynamo-dlm local', () => {
  test('prints working environment variables, serves the lock table, and stops on SIGTERM', async () => {
    const local = startCli(['local', '--table', 'local_locks']);
    const env = await waitFor('the export lines', () => {
      const vars = exportsOf(local.output().stdout);
      return vars.DYNAMO_DLM_TABLE === undefined ? undefined : vars;
    });
    expect(env.AWS_ENDPOINT_URL_DYNAMODB).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(env).toMatchObject({
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      DYNAMO_DLM_TABLE: 'local_locks',
    });

    // The printed variables alone are enough for the CLI (and the SDK) to use the lock table.
    const run = await runCli(['run', 'via-local', '--', process.execPath, '-e', 'process.exit(3)'], cleanEnv(env));
    expect(run.code).toBe(3);
    const status = await runCli(['status', 'via-local'], cleanEnv(env));
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('via-local: free (released');

    local.child.kill('SIGTERM');
    const end = await local.done;
    expect(end.code).toBe(0);
    expect(end.stderr).toContain('SIGTERM: stopping');
    // The server is gone.
    const after = await runCli(['status', 'via-local'], cleanEnv(env));
    expect(after.code).toBe(1);
  });

  test('--path keeps the data on disk, across restarts', async () => {
    const path = join(dir, 'data');
    const first = startCli(['local', '--path', path, '--port', '0']);
    const env = await waitFor('the export lines', () => {
      const vars = exportsOf(first.output().stdout);
      return vars.DYNAMO_DLM_TABLE === undefined ? undefined : vars;
    });
    expect((await runCli(['run', 'durable', '--', 'true'], cleanEnv(env))).code).toBe(0);
    first.child.kill('SIGINT');
    expect((await first.done).code).toBe(0);
    expect(existsSync(path) && readdirSync(path).length > 0).toBe(true);

    const second = startCli(['local', '--path', path]);
    const env2 = await waitFor('the export lines', () => {
      const vars = exportsOf(second.output().stdout);
      return vars.DYNAMO_DLM_TABLE === undefined ? undefined : vars;
    });
    const status = await runCli(['status', 'durable'], cleanEnv(env2));
    expect(status.stdout).toContain('durable: free (released');
    second.child.kill('SIGTERM');
    expect((await second.done).code).toBe(0);
  });

  test('a bad --port is a usage error', async () => {
    const result = await runCli(['local', '--port', '70000']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Expected `--port` to be an integer from 0 to 65535, got `70000`');
  });

  test('in-process: serves until a stop signal, then stops the server', async () => {
    const io = fakeIo({ DYNAMO_DLM_TABLE: 'inproc_locks' });
    const done = main(['local'], io);
    const env = await waitFor('the export lines', () => {
      const vars = exportsOf(io.stdout.map((line) => `${line}\n`).join(''));
      return vars.DYNAMO_DLM_TABLE === undefined ? undefined : vars;
    });
    expect(env.DYNAMO_DLM_TABLE).toBe('inproc_locks');
    // Credentials come from this process's environment, not the fake one: let the CLI use dummy ones.
    const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...local } = env;
    expect((await runMain(['status', 'x'], fakeIo(local))).stdout).toBe('x: free (no lock item)\n');
    // The listener local installed decides what the signal does (a listener, not a real signal).
    process.emit('SIGINT', 'SIGINT');
    expect(await done).toBe(0);
    expect(io.stderr.at(-1)).toBe('dynamo-dlm: SIGINT: stopping');
    expect((await runMain(['status', 'x'], fakeIo(local))).code).toBe(1);
  });
});

describe('exportLines', () => {
  test('local prints shell lines for the SDK and the CLI', () => {
    expect(exportLines('http://127.0.0.1:5000', 'locks')).toEqual([
      'export AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:5000',
      'export AWS_REGION=us-east-1',
      'export AWS_ACCESS_KEY_ID=local',
      'export AWS_SECRET_ACCESS_KEY=local',
      'export DYNAMO_DLM_TABLE=locks',
    ]);
  });
});
