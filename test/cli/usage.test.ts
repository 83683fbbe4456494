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
    expect(result.stderr).toContain('unknown flag `--bogus`');
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
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('dynamo-dlm: unknown command `frobnicate`\nRun `dynamo-dlm --help` for usage.\n');
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
    [['run', 'job', '--duration', 'abc', '--', 'ls'], 'Expected `--duration` to be a positive number of seconds'],
    [['run', 'job', '--timeout=-1', '--', 'ls'], 'Expected `--timeout` to be a positive number of seconds'],
    [['run', 'job', '--kill-after', '0', '--', 'ls'], 'Expected `--kill-after` to be a positive number of seconds'],
    [['run', 'job', '--no-wait', '--timeout', '1', '--', 'ls'], '--no-wait and --timeout exclude each other'],
    [['run', 'job', '--kill-after', '2592000', '--', 'ls'], '(0.001 to 2147483.647, the longest delay a Node timer'],
    [['run', 'job', '--duration', '2592000', '--', 'ls'], '(0.001 to 2147483.647, the longest delay a Node timer'],
    [['run', 'job', '--timeout', '2592000', '--', 'ls'], '(0.001 to 2147483.647, the longest delay a Node timer'],
    [['run', 'job', '--kill-after', '10', '--', 'ls'], '--kill-after 10 does not fit a 10 s lease'],
    [['release', '--force', 'job', '--yes', '--token', 'x'], 'Expected `--token` to be an integer'],
    [['run', 'job', '--table', 'x', '--', 'ls'], 'Expected `--table` to be a DynamoDB table name'],
    [['run', 'job', '--endpoint', 'not a url', '--', 'ls'], '--endpoint expects a URL'],
    [['status'], 'missing <resource>'],
    [['status', 'a', 'b'], 'unexpected argument `b`'],
    [['status', ''], 'Expected `resource` to be a non-empty string'],
    [['list', 'extra'], 'unexpected argument `extra`'],
    [['release', 'job'], 'release needs --force'],
    [['demo', '--increments', '1.5'], 'Expected `--increments` to be an integer from 1 to 1000, got `1.5`'],
    [['local', '--port'], '--port needs a value (--port N)'],
  ])('%j is a usage error', async (argv, message) => {
    const io = fakeIo();
    expect(await main(argv, io)).toBe(2);
    expect(io.stdout).toEqual([]);
    expect(io.stderr.join('\n')).toContain(message);
  });

  test('in its own words: a mistyped flag or command gets a suggestion, and a negative number is a value', async () => {
    const said = async (argv: string[]): Promise<string> => {
      const io = fakeIo();
      expect(await main(argv, io)).toBe(2);
      expect(io.stdout).toEqual([]);
      return io.stderr.join('\n');
    };
    expect(await said(['run', 'job', '--durtion', '5', '--', 'ls'])).toBe(
      'dynamo-dlm: unknown flag `--durtion`; did you mean `--duration`?\nRun `dynamo-dlm run --help` for usage.',
    );
    // A connection flag, and a flag cut short, are found too.
    expect(await said(['status', 'job', '--tabel', 'locks'])).toContain('did you mean `--table`?');
    expect(await said(['run', 'job', '--no-w', '--', 'ls'])).toContain('did you mean `--no-wait`?');
    // Nothing close: no guess.
    expect(await said(['status', 'job', '--frobnicate'])).toBe(
      'dynamo-dlm: unknown flag `--frobnicate`\nRun `dynamo-dlm status --help` for usage.',
    );
    expect(await said(['stauts', 'job'])).toBe(
      'dynamo-dlm: unknown command `stauts`; did you mean `status`?\nRun `dynamo-dlm --help` for usage.',
    );
    expect(await said(['creat-table'])).toContain('did you mean `create-table`?');
    // The hidden worker command is never suggested.
    expect(await said(['__demo-workr'])).not.toContain('did you mean');
    expect(await said(['--table', 'x', 'status'])).toContain('missing <command> before `--table`');
    // `--duration -5` is the value -5, which the library's rule for seconds rejects.
    expect(await said(['run', 'job', '--duration', '-5', '--', 'ls'])).toContain(
      'Expected `--duration` to be a positive number of seconds (0.001 to 2147483.647, the longest delay a Node timer holds), got `-5`',
    );
    expect(await said(['status', 'job', '--concurrency', '-2'])).toContain(
      'Expected `--concurrency` to be an integer from 1 to 1000, got `-2`',
    );
    expect(await said(['run', 'job', '--duration', '--verbose', '--', 'ls'])).toContain(
      '--duration needs a value (--duration S), got the flag `--verbose`',
    );
    expect(await said(['run', 'job', '--verbose=yes', '--', 'ls'])).toContain(
      '--verbose takes no value, got `--verbose=yes`',
    );
  });

  test('--help wins over a bad flag, and `help <command>` is `<command> --help`', async () => {
    const io = fakeIo();
    expect(await main(['run', '--bogus', '--help'], io)).toBe(0);
    expect(io.stdout.join('\n')).toContain('Usage: dynamo-dlm run');
    const help = fakeIo();
    expect(await main(['help', 'status'], help)).toBe(0);
    expect(help.stdout.join('\n')).toContain('Usage: dynamo-dlm status');
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
