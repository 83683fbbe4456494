import { describe, expect, test, vi } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { describeError } from '../../src/cli/cli.js';
import { cliLogger } from '../../src/cli/cli-logger.js';
import { exportLines } from '../../src/cli/commands/local.js';
import { FirstContactGuard } from '../../src/cli/first-contact.js';
import { isNodeVersionSupportWarning, processIo, quietSdkNodeVersionWarning } from '../../src/cli/io.js';
import { shouldForward } from '../../src/cli/signals.js';
import { createWaitDisplay, waitMode } from '../../src/cli/wait-display.js';
import { DynamoDbError, TableNotFoundError } from '../../src/index.js';
import { fakeIo } from './fake-io.js';

describe('FirstContactGuard', () => {
  const network = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const http = Object.assign(new Error('throttled'), { $metadata: { httpStatusCode: 400 } });

  test('gives up after `limit` network failures when DynamoDB never answered', () => {
    const guard = new FirstContactGuard(3);
    expect([guard.failed(network), guard.failed(network), guard.failed(network)]).toEqual([false, false, true]);
  });

  test('once DynamoDB answered (a refusal, or any HTTP status), failures are waited through', () => {
    const a = new FirstContactGuard(2);
    a.answered();
    expect([a.failed(network), a.failed(network), a.failed(network)]).toEqual([false, false, false]);
    const b = new FirstContactGuard(2);
    expect([b.failed(http), b.failed(network), b.failed(network)]).toEqual([false, false, false]);
  });
});

describe('the SDK warning filter', () => {
  test('recognises only the NodeVersionSupportWarning', () => {
    expect(isNodeVersionSupportWarning('NodeVersionSupportWarning: The AWS SDK for JavaScript (v3) ...')).toBe(true);
    expect(isNodeVersionSupportWarning(Object.assign(new Error('x'), { name: 'NodeVersionSupportWarning' }))).toBe(
      true,
    );
    expect(isNodeVersionSupportWarning('DeprecationWarning: something')).toBe(false);
    expect(isNodeVersionSupportWarning(new Error('other'))).toBe(false);
  });

  test('drops that warning and passes every other one on', () => {
    const original = process.emitWarning;
    const seen: unknown[] = [];
    process.emitWarning = ((warning: unknown) => {
      seen.push(warning);
    }) as typeof process.emitWarning;
    try {
      quietSdkNodeVersionWarning();
      process.emitWarning('NodeVersionSupportWarning: The AWS SDK for JavaScript (v3) versions ...');
      process.emitWarning('something else');
      expect(seen).toEqual(['something else']);
    } finally {
      process.emitWarning = original;
    }
  });
});

describe('small helpers', () => {
  test('SIGINT is left to the terminal when there is one; other signals are always passed on', () => {
    expect(shouldForward('SIGINT', true)).toBe(false);
    expect(shouldForward('SIGINT', false)).toBe(true);
    expect(shouldForward('SIGTERM', true)).toBe(true);
    expect(shouldForward('SIGHUP', true)).toBe(true);
  });

  test('local prints shell lines for the SDK and the CLI', () => {
    expect(exportLines('http://127.0.0.1:5000', 'locks')).toEqual([
      'export AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:5000',
      'export AWS_REGION=us-east-1',
      'export AWS_ACCESS_KEY_ID=local',
      'export AWS_SECRET_ACCESS_KEY=local',
      'export DYNAMO_DLM_TABLE=locks',
    ]);
  });

  test('errors become one line, with a --help pointer for usage errors', () => {
    expect(describeError(new UsageError('bad'), 'run')).toBe('dynamo-dlm: bad\nRun `dynamo-dlm run --help` for usage.');
    expect(describeError(new TableNotFoundError('t'), 'status')).toMatch(
      /^dynamo-dlm: DynamoDB table `t` was not found/,
    );
    expect(describeError(new DynamoDbError('boom'), 'list')).toBe('dynamo-dlm: boom');
    expect(describeError(Object.assign(new Error('no region'), { name: 'ConfigError' }), 'list')).toBe(
      'dynamo-dlm: ConfigError: no region',
    );
  });

  test('the lock logger: warnings always, info only with --verbose, nothing once muted', () => {
    const io = fakeIo();
    const quiet = cliLogger(io, false);
    quiet.info('hidden');
    quiet.warn('shown', new Error('why'));
    expect(io.stderr).toEqual(['dynamo-dlm: warning: shown (Error: why)']);
    quiet.mute();
    quiet.error('after mute');
    expect(io.stderr).toHaveLength(1);
    const loud = cliLogger(io, true);
    loud.info('visible');
    expect(io.stderr.at(-1)).toBe('dynamo-dlm: visible');
  });

  test('waitMode: a terminal gets the live line; otherwise only --verbose speaks', () => {
    expect(waitMode(true, false)).toBe('tty');
    expect(waitMode(false, true)).toBe('verbose');
    expect(waitMode(false, false)).toBe('quiet');
  });
});

describe('the wait display', () => {
  const event = { resourceId: 'job', attempt: 2, holderExpiresAt: undefined, delayMs: 10 };

  test('quiet: never reads, never writes', () => {
    const io = fakeIo();
    const read = vi.fn(async () => undefined);
    const d = createWaitDisplay({ io, mode: 'quiet', resourceId: 'job', since: 0, read });
    d.contended(event);
    d.stop();
    expect(read).not.toHaveBeenCalled();
    expect(io.stderr).toEqual([]);
  });

  test('verbose: reads at the first refusal and prints what it learnt', async () => {
    const io = fakeIo();
    const read = vi.fn(async () => ({
      resourceId: 'job',
      state: 'held' as const,
      holder: 'abcdef01',
      expiresAt: 5000,
      fencingToken: 9,
      forced: false,
    }));
    const d = createWaitDisplay({ io, mode: 'verbose', resourceId: 'job', since: 0, read, now: () => 1000 });
    d.contended(event);
    d.contended({ ...event, attempt: 3 });
    await vi.waitFor(() => expect(io.stderr).toHaveLength(1));
    d.stop();
    expect(read).toHaveBeenCalledTimes(1);
    expect(io.stderr[0]).toBe(
      'dynamo-dlm: waiting for `job`: held by abcdef01 (token 9) until 1970-01-01T00:00:05Z (in 4.0 s) · waited 1.0 s, 3 attempts',
    );
  });

  test('tty: draws the live line in place, within the terminal width, and clears it when done', async () => {
    const io = { ...fakeIo(), columns: 60 };
    const d = createWaitDisplay({ io, mode: 'tty', resourceId: 'job', since: 0, read: async () => undefined });
    d.contended({ ...event, holderExpiresAt: new Date(Date.now() + 5000) });
    await vi.waitFor(() => expect(io.stderr.length).toBeGreaterThan(0), { timeout: 2000 });
    d.stop();
    const drawn = io.stderr.slice(0, -1);
    expect(drawn.every((s) => s.startsWith('\r\x1b[K') && s.includes('waiting for `job`: held by ?'))).toBe(true);
    expect(Math.max(...drawn.map((s) => s.length - '\r\x1b[K'.length))).toBe(59);
    expect(io.stderr.at(-1)).toBe('\r\x1b[K');
  });
});

describe('processIo', () => {
  test("writes lines to the process's streams and reads its environment", () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const io = processIo();
      io.out('result');
      io.err('progress');
      io.errRaw('\r');
      expect(out.mock.calls.map((c) => c[0])).toEqual(['result\n']);
      expect(err.mock.calls.map((c) => c[0])).toEqual(['progress\n', '\r']);
      expect(io.env).toBe(process.env);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });
});
