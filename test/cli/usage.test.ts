import { describe, expect, test } from 'vitest';
import { main } from '../../src/cli/cli.js';
import { runCli } from './cli-process.js';
import { fakeIo } from './fake-io.js';

const COMMANDS = ['run', 'create-table', 'status', 'list', 'release', 'local', 'demo'];

describe('the built CLI', () => {
  test('a bad flag is a usage error: exit 2, a message, a pointer to --help', async () => {
    const result = await runCli(['status', 'job', '--bogus']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("Unknown option '--bogus'");
    expect(result.stderr).toContain('Run `dynamo-dlm status --help` for usage.');
  });

  test('--help at the top level lists every command and the exit codes', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const command of COMMANDS) expect(result.stdout).toContain(`  ${command}`);
    expect(result.stdout).toMatch(/75\s+run --no-wait/);
    expect(result.stdout).not.toContain('__demo-worker');
  });

  test('an unknown command and no command at all exit 2', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    expect((await runCli([])).code).toBe(2);
  });
});

describe('main() in-process', () => {
  test.each(COMMANDS)('%s --help prints its usage and exits 0', async (command) => {
    const io = fakeIo();
    expect(await main([command, '--help'], io)).toBe(0);
    expect(io.stdout.join('\n')).toContain(`Usage: dynamo-dlm ${command}`);
  });

  test.each([
    [['run', 'job', 'ls', '-la'], 'The command to run goes after `--`'],
    [['run', 'job', 'ls'], 'put the command after `--`: dynamo-dlm run job [options] -- ls'],
    [['run', 'job'], 'missing `-- <command> [args...]`'],
    [['run', 'job', '--'], 'missing the command after `--`'],
    [['run', '--', 'ls'], 'missing <resource>'],
    [['run', 'job', '--duration', 'abc', '--', 'ls'], '--duration expects a positive number of seconds, got `abc`'],
    [['run', 'job', '--timeout=-1', '--', 'ls'], '--timeout expects a positive number of seconds, got `-1`'],
    [['run', 'job', '--kill-after', '0', '--', 'ls'], '--kill-after expects a positive number of seconds'],
    [['run', 'job', '--no-wait', '--timeout', '1', '--', 'ls'], '--no-wait and --timeout exclude each other'],
    [['run', 'job', '--kill-after', '2592000', '--', 'ls'], '--kill-after expects at most 2147483.647 seconds'],
    [['run', 'job', '--duration', '2592000', '--', 'ls'], '--duration expects at most 2147483.647 seconds'],
    [['run', 'job', '--timeout', '2592000', '--', 'ls'], '--timeout expects at most 2147483.647 seconds'],
    [['run', 'job', '--kill-after', '10', '--', 'ls'], '--kill-after 10 does not fit a 10 s lease'],
    [['release', '--force', 'job', '--yes', '--token', 'x'], '--token expects an integer'],
    [['run', 'job', '--table', 'x', '--', 'ls'], 'Expected `table` to be a DynamoDB table name'],
    [['run', 'job', '--endpoint', 'not a url', '--', 'ls'], '--endpoint expects a URL'],
    [['status'], 'missing <resource>'],
    [['status', 'a', 'b'], 'unexpected argument `b`'],
    [['status', ''], 'Expected `resource` to be a non-empty string'],
    [['list', 'extra'], 'unexpected argument `extra`'],
    [['release', 'job'], 'release needs --force'],
    [['demo', '--increments', '1.5'], '--increments expects an integer from 1 to 1000'],
    [['local', '--port'], "Option '--port <value>' argument missing"],
  ])('%j is a usage error', async (argv, message) => {
    const io = fakeIo();
    expect(await main(argv, io)).toBe(2);
    expect(io.stdout).toEqual([]);
    expect(io.stderr.join('\n')).toContain(message);
  });

  test('--version prints the package version', async () => {
    const io = fakeIo();
    expect(await main(['--version'], io)).toBe(0);
    expect(io.stdout[0]).toMatch(/^\d+\.\d+\.\d+/);
  });

  test('an unreachable endpoint is exit 1 with the cause, not a stack trace', async () => {
    const io = fakeIo();
    expect(await main(['status', 'job', '--endpoint', 'http://127.0.0.1:1'], io)).toBe(1);
    const text = io.stderr.join('\n');
    expect(text).toMatch(/^dynamo-dlm: /);
    expect(text).not.toMatch(/\n\s+at /);
  });

  test('run gives up with exit 1 when DynamoDB was never reachable, instead of retrying forever', async () => {
    const io = fakeIo();
    expect(await main(['run', 'job', '--endpoint', 'http://127.0.0.1:1', '--', 'true'], io)).toBe(1);
    expect(io.stderr.at(-1)).toMatch(/^dynamo-dlm: cannot reach DynamoDB at http:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
  });
});
