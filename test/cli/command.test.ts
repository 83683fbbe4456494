import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, test, vi } from 'vitest';
import { mainHelp } from '../../src/cli/cli.js';
import { flagNumber, parseFlag, parseInteger, parseSeconds, UsageError } from '../../src/cli/framework/args.js';
import { defineCommand } from '../../src/cli/framework/command.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { checkConcurrency, checkSlot, MAX_TIMER_MS } from '../../src/options/validate.js';
import { fakeIo } from './fake-io.js';

/** A command that reports what it was given. */
function probe<C extends boolean>(connect: C, rest?: string) {
  const seen: unknown[] = [];
  const command = defineCommand({
    name: 'probe',
    summary: 'probes',
    description: 'Probes the parser.',
    positionals: ['resource'],
    ...(rest === undefined ? {} : { rest }),
    flags: {
      count: { type: 'string', value: 'N', help: 'how many', default: '3' },
      loud: { type: 'boolean', short: 'l', help: 'be loud' },
    },
    connect,
    async run(context) {
      seen.push(context);
      return 0;
    },
  });
  return { command, seen };
}

describe('defineCommand', () => {
  test('parses flags strictly, names the positionals, and keeps what follows `--` verbatim', async () => {
    const { command, seen } = probe(false, '<command> [args...]');
    expect(await command.run(['job', '-l', '--count=2', '--', 'ls', '--count', '--'], fakeIo())).toBe(0);
    expect(seen[0]).toMatchObject({
      flags: { count: '2', loud: true, help: false },
      args: { resource: 'job' },
      rest: ['ls', '--count', '--'],
    });
  });

  test('absent booleans are false and absent strings undefined', async () => {
    const { command, seen } = probe(false);
    await command.run(['job'], fakeIo());
    const { flags } = seen[0] as { flags: Record<string, unknown> };
    expect(flags.count).toBeUndefined();
    expect(flags.loud).toBe(false);
  });

  test.each([
    [['job', '--nope'], 'unknown flag `--nope`'],
    [['job', '--cont', '2'], 'unknown flag `--cont`; did you mean `--count`?'],
    [['job', '-x'], 'unknown flag `-x`'],
    [[], 'missing <resource>'],
    [['a', 'b'], 'unexpected argument `b`'],
    [['a', '--', 'b'], 'unexpected argument `b`'],
    [['job', '--count'], '--count needs a value (--count N)'],
    [['job', '--count', '--loud'], '--count needs a value (--count N), got the flag `--loud`'],
    [['job', '--loud=1'], '--loud takes no value, got `--loud=1`'],
  ])('%j is a UsageError', async (argv, message) => {
    const { command, seen } = probe(false);
    await expect(command.run(argv, fakeIo())).rejects.toThrow(UsageError);
    await expect(command.run(argv, fakeIo())).rejects.toThrow(message);
    expect(seen).toEqual([]);
  });

  test('with `rest`, a missing or misplaced command says where it goes', async () => {
    const { command } = probe(false, '<command> [args...]');
    await expect(command.run(['job'], fakeIo())).rejects.toThrow('missing `-- <command> [args...]`');
    await expect(command.run(['job', 'ls', 'x'], fakeIo())).rejects.toThrow(
      'put the command after `--`: dynamo-dlm probe job [options] -- ls x',
    );
    await expect(command.run(['job', '--'], fakeIo())).rejects.toThrow('missing the command after `--`');
    await expect(command.run(['job', 'ls', '-la'], fakeIo())).rejects.toThrow(
      'The command to run goes after `--`: dynamo-dlm probe <resource> [options] -- <command> [args...]',
    );
  });

  test('--help prints usage generated from the definition, and runs nothing', async () => {
    const { command, seen } = probe(true, '<command> [args...]');
    const io = fakeIo();
    expect(await command.run(['--help'], io)).toBe(0);
    expect(seen).toEqual([]);
    const help = io.stdout.join('\n');
    expect(help).toBe(command.help());
    expect(help).toMatch(
      /^Usage: dynamo-dlm probe <resource> \[options\] -- <command> \[args\.\.\.\]\n\nProbes the parser\./,
    );
    expect(help).toMatch(/\n {2}--count N +how many \[3\]\n/);
    expect(help).toMatch(/\n {2}-l, --loud +be loud\n/);
    expect(help).toMatch(/\n {2}-h, --help +show this help/);
    expect(help).toMatch(/Connection:\n {2}--table NAME +lock table \[env DYNAMO_DLM_TABLE; dynamo_dlm_locks\]/);
    expect(probe(false).command.help()).not.toContain('--table');
  });

  test('with `connect`, resolves the connection flags and destroys the client when run settles', async () => {
    const { command, seen } = probe(true);
    await command.run(['job', '--endpoint', 'http://127.0.0.1:9', '--table', 'probe_table'], fakeIo());
    const context = seen[0] as { config: unknown; client: { config: { maxAttempts: () => Promise<number> } } };
    expect(context.config).toEqual({
      tableName: 'probe_table',
      tableLayout: 'single',
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      localCredentials: true,
    });
    expect(await context.client.config.maxAttempts()).toBe(1);
    const destroy = vi.spyOn(DynamoDBClient.prototype, 'destroy');
    try {
      const failing = defineCommand({
        name: 'failing',
        summary: '',
        description: '',
        flags: {},
        connect: true,
        async run() {
          throw new Error('boom');
        },
      });
      await expect(failing.run([], fakeIo())).rejects.toThrow('boom');
      expect(destroy).toHaveBeenCalledTimes(1);
    } finally {
      destroy.mockRestore();
    }
  });

  test('a bad connection flag is a usage error before the command runs', async () => {
    const { command, seen } = probe(true);
    await expect(command.run(['job', '--endpoint', 'nope'], fakeIo())).rejects.toThrow('--endpoint expects a URL');
    expect(seen).toEqual([]);
  });
});

describe('the top-level help', () => {
  test('lists every visible command with its synopsis, and the exit codes', () => {
    const help = mainHelp();
    expect(help).toMatch(
      /\n {2}run <resource> \[options\] -- <command> \[args\.\.\.\]\n {25}run a command while holding the lock/,
    );
    expect(help).toMatch(/\n {2}status <resource> +show who holds a lock/);
    expect(help).toMatch(/\n {2}release --force <resource>\n/);
    expect(help).not.toContain('__demo-worker');
    expect(help).toMatch(/75 +run --no-wait/);
  });
});

describe('flag values', () => {
  test('the text of a number becomes that number; any other text stays text, for the check to reject', () => {
    expect(['30', '2.5', '.5', '-5', '+3', '1e3', ' 7 '].map(flagNumber)).toEqual([30, 2.5, 0.5, -5, 3, 1000, 7]);
    expect(['', 'abc', '1s', '0x10', 'Infinity', 'NaN', '1.2.3', '-'].map(flagNumber)).toEqual([
      '',
      'abc',
      '1s',
      '0x10',
      'Infinity',
      'NaN',
      '1.2.3',
      '-',
    ]);
  });

  test("seconds, by the library's rule: positive, at least 1 ms, and no longer than a timer can wait", () => {
    expect(parseSeconds('d', '0.25')).toBe(0.25);
    expect(parseSeconds('d', undefined)).toBeUndefined();
    expect(parseSeconds('d', String(MAX_TIMER_MS / 1000))).toBe(MAX_TIMER_MS / 1000);
    for (const bad of ['', ' ', '0', '0.0001', '-1', 'NaN', 'Infinity', '1s']) {
      expect(() => parseSeconds('d', bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    // 30 days: setTimeout would fire at once.
    expect(() => parseSeconds('kill-after', '2592000')).toThrow(
      'Expected `--kill-after` to be a positive number of seconds (0.001 to 2147483.647, the longest delay a Node timer holds), got `2592000` (number)',
    );
  });

  test("integers, by the library's rule, within the flag's bounds", () => {
    expect(parseInteger('n', '7', 1, 10)).toBe(7);
    expect(parseInteger('n', '1e1', 1, 10)).toBe(10);
    for (const bad of ['0', '11', '1.5', '-3', 'x', '']) {
      expect(() => parseInteger('n', bad, 1, 10)).toThrow(InvalidArgumentError);
    }
    expect(() => parseInteger('n', 'x', 1, 10)).toThrow(
      'Expected `--n` to be an integer from 1 to 10, got "x" (string)',
    );
  });

  test("a flag judged by one of the library's own checks, under the flag's name", () => {
    expect(parseFlag('concurrency', '3', checkConcurrency)).toBe(3);
    expect(parseFlag('concurrency', undefined, checkConcurrency)).toBeUndefined();
    expect(() => parseFlag('slot', '1000', checkSlot)).toThrow('Expected `--slot` to be an integer from 0 to 999');
  });
});
