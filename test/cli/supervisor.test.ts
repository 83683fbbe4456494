import { describe, expect, test } from 'vitest';
import { planRun } from '../../src/cli/run/run-plan.js';
import { type CommandRun, Supervisor } from '../../src/cli/run/supervisor.js';
import { LockLostError } from '../../src/errors.js';
import type { ThrottledEvent } from '../../src/events.js';
import { fakeIo } from './fake-io.js';

const FLAGS = { duration: '3', timeout: undefined, 'kill-after': '0.5', 'no-wait': false, elect: false, verbose: true };

function supervisor(command: [string, ...string[]] = ['true']) {
  const io = fakeIo();
  return { io, s: new Supervisor(planRun(FLAGS, 'job', command), io, 'http://127.0.0.1:9') };
}

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
const failed = (operation: ThrottledEvent['operation'], attempt: number): ThrottledEvent => ({
  resourceId: 'job',
  operation,
  attempt,
  delayMs: 100,
  error: refused,
});

/** A lease held until `lose` is called, ending `ms` from now. */
function lease(ms: number) {
  const controller = new AbortController();
  const end = Date.now() + ms;
  return { signal: controller.signal, end: () => (controller.signal.aborted ? undefined : end), lose: controller };
}

const node = (script: string): [string, ...string[]] => [process.execPath, '-e', script];

describe('Supervisor: the first contact', () => {
  test('8 network failures to acquire before any answer: stop, say that DynamoDB is unreachable, exit 1', () => {
    const { io, s } = supervisor();
    for (let i = 1; i < 8; i++) s.throttled(failed('acquire', i));
    expect(s.stopping.aborted).toBe(false);
    s.throttled(failed('acquire', 8));
    expect(s.stopping.aborted).toBe(true);
    // The lock's own warnings stop there: the one message is the supervisor's.
    s.logger.warn('retrying');
    expect(s.stopped('stopped waiting for `job`')).toBe(1);
    expect(io.stderr).toEqual([
      'dynamo-dlm: cannot reach DynamoDB at http://127.0.0.1:9: connect ECONNREFUSED 127.0.0.1:9',
    ]);
  });

  test('once DynamoDB answered, and for failures other than to acquire, it keeps waiting', () => {
    const { s } = supervisor();
    for (let i = 1; i <= 20; i++) s.throttled(failed('extend', i));
    expect(s.stopping.aborted).toBe(false);
    s.answered();
    for (let i = 1; i <= 20; i++) s.throttled(failed('acquire', i));
    expect(s.stopping.aborted).toBe(false);
  });
});

describe('Supervisor: signals', () => {
  test('the first signal stops the wait: 128+N, said once; the handlers go when supervise() settles', async () => {
    const { io, s } = supervisor();
    const before = process.listenerCount('SIGTERM');
    const code = await s.supervise(async () => {
      expect(process.listenerCount('SIGTERM')).toBe(before + 1);
      process.emit('SIGTERM', 'SIGTERM');
      process.emit('SIGHUP', 'SIGHUP');
      return s.stopped('stopped waiting for `job`');
    });
    expect(code).toBe(143);
    expect(s.received).toBe('SIGTERM');
    expect(io.stderr).toEqual(['dynamo-dlm: SIGTERM: stopped waiting for `job`']);
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });

  test('stopped() before any stop is a mistake of the caller', () => {
    expect(() => supervisor().s.stopped('x')).toThrow('stopped() called before run was stopped');
  });
});

describe('Supervisor: the command', () => {
  const quiet = (l: ReturnType<typeof lease>): CommandRun => ({
    lease: l,
    env: process.env,
    ended: (reason) => ({ why: `ended (${reason instanceof LockLostError ? reason.reason : String(reason)})` }),
  });

  test("its exit code is run's; a signal it gets is passed on to it", async () => {
    const { s } = supervisor(node('process.exit(3)'));
    expect(await s.runCommand(quiet(lease(60_000)))).toEqual({ code: 3, stopped: false });
    const { io, s: t } = supervisor(node("process.on('SIGTERM', () => process.exit(9)); setInterval(() => {}, 1000)"));
    const end = await t.supervise(async () => {
      const running = t.runCommand(quiet(lease(60_000)));
      // Once the command has installed its handler, the signal run gets is its to answer.
      await new Promise((resolve) => setTimeout(resolve, 300));
      process.emit('SIGTERM', 'SIGTERM');
      return (await running).code;
    });
    expect(end).toBe(9);
    expect(io.stderr).toContain('dynamo-dlm: passing SIGTERM on to the command');
  });

  test('a command that cannot start: 127, and why', async () => {
    const { io, s } = supervisor(['no-such-command-dynamo-dlm-test']);
    expect(await s.runCommand(quiet(lease(60_000)))).toEqual({ code: 127, stopped: false });
    expect(io.stderr.at(-1)).toMatch(/^dynamo-dlm: cannot run `no-such-command-dynamo-dlm-test`: /);
  });

  test('when the lease ends, the command is stopped on the timeline, and the end says so', async () => {
    const { io, s } = supervisor(node('setInterval(() => {}, 1000)'));
    const l = lease(60_000);
    const running = s.runCommand({ ...quiet(l), muteOnStop: true });
    setTimeout(() => l.lose.abort(new LockLostError('job', 'taken', 'taken over')), 200);
    expect(await running).toEqual({ code: 143, stopped: true });
    expect(io.stderr).toContain('dynamo-dlm: the command exited on SIGTERM');
    expect(io.stderr.join('\n')).toContain('dynamo-dlm: ended (taken); terminating it: SIGTERM now, SIGKILL in');
    // With muteOnStop, the lock's later warnings are left out.
    s.logger.warn('release failed');
    expect(io.stderr.join('\n')).not.toContain('release failed');
  });
});
