import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, test } from 'vitest';
import { main } from '../../src/cli/cli.js';
import { exportLines } from '../../src/cli/commands/local.js';
import { createClient, resolveConfig } from '../../src/cli/framework/config.js';
import { dynaliteMissing } from '../../src/cli/framework/needs-dynalite.js';
import { CLI, cleanEnv, runCli, startCli, waitFor } from './cli-process.js';
import { fakeIo, runMain } from './fake-io.js';

const dir = mkdtempSync(join(tmpdir(), 'dynamo-dlm-local-'));
/** A module that makes the process run as if dynalite were not installed. */
const NO_DYNALITE = new URL('../fixtures/no-dynalite.mjs', import.meta.url).href;
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

  test("--table-layout slots: the table has the sort key, and the printed environment says so to run's --concurrency", async () => {
    const io = fakeIo();
    const done = main(['local', '--table', 'slots_locks', '--table-layout', 'slots'], io);
    const env = await waitFor('the export lines', () => {
      const vars = exportsOf(io.stdout.map((line) => `${line}\n`).join(''));
      return vars.DYNAMO_DLM_TABLE === undefined ? undefined : vars;
    });
    try {
      expect(env.DYNAMO_DLM_TABLE_LAYOUT).toBe('slots');
      const client = createClient(resolveConfig({ endpoint: env.AWS_ENDPOINT_URL_DYNAMODB }, {}));
      try {
        const table = await client.send(new DescribeTableCommand({ TableName: 'slots_locks' }));
        expect(table.Table?.KeySchema).toEqual([
          { AttributeName: 'resource_id', KeyType: 'HASH' },
          { AttributeName: 'concurrency_id', KeyType: 'RANGE' },
        ]);
      } finally {
        client.destroy();
      }
      const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...local } = env;
      const run = await runMain(
        [
          'run',
          'pool',
          '--concurrency',
          '2',
          '--',
          process.execPath,
          '-e',
          'process.exit(process.env.DYNAMO_DLM_SLOT === "0" ? 0 : 9)',
        ],
        fakeIo(local),
      );
      expect(run.code).toBe(0);
    } finally {
      process.emit('SIGINT', 'SIGINT');
      expect(await done).toBe(0);
    }
  });

  test('without dynalite installed: says exactly what to install, and exits 1', async () => {
    const result = await runCli(['local'], cleanEnv({ NODE_OPTIONS: `--import ${NO_DYNALITE}` }));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`dynamo-dlm: ${dynaliteMissing('local', pathToFileURL(CLI).href)}\n`);
    expect(result.stderr).toContain('\n  npm install --save-dev dynalite\n');
  });

  test('--help shows --table-layout, and what to install', async () => {
    const io = fakeIo();
    expect(await main(['local', '--help'], io)).toBe(0);
    const help = io.stdout.join('\n');
    expect(help).toMatch(/\n {2}--table-layout L +the lock table's key layout: single, or slots/);
    expect(help).toContain('npm install --save-dev dynalite');
    expect(help).toContain('npx -p dynamo-dlm -p dynalite dynamo-dlm local');
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
    expect(exportLines('http://127.0.0.1:5000', 'locks', 'single')).toEqual([
      'export AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:5000',
      'export AWS_REGION=us-east-1',
      'export AWS_ACCESS_KEY_ID=local',
      'export AWS_SECRET_ACCESS_KEY=local',
      'export DYNAMO_DLM_TABLE=locks',
      'export DYNAMO_DLM_TABLE_LAYOUT=single',
    ]);
  });
});

describe('dynaliteMissing', () => {
  test('beside an installed dynamo-dlm: npm install; run from npx: npx with both packages', () => {
    const installed = dynaliteMissing('local', 'file:///srv/app/node_modules/dynamo-dlm/dist/cli/framework/x.js');
    expect(installed).toMatch(/^`local` needs the dynalite package .*\n {2}npm install --save-dev dynalite\n/);
    expect(installed).not.toContain('npx');
    const npx = dynaliteMissing(
      'demo',
      'file:///home/u/.npm/_npx/0a1b2c/node_modules/dynamo-dlm/dist/cli/framework/x.js',
    );
    expect(npx).toMatch(/\n {2}npx -p dynamo-dlm -p dynalite dynamo-dlm demo$/);
    expect(
      dynaliteMissing('local', 'file:///C:/Users/u/AppData/Local/npm-cache/_npx/0a1b/node_modules/x.js'),
    ).toContain('npx -p dynamo-dlm -p dynalite');
  });
});
