import { describe, expect, test, vi } from 'vitest';
import { createWaitDisplay, waitMode } from '../../src/cli/run/wait-display.js';
import { fakeIo } from './fake-io.js';

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
      owner: 'worker-7',
      data: undefined,
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
      'dynamo-dlm: waiting for `job`: held by worker-7 (abcdef01, token 9) until 1970-01-01T00:00:05Z (in 4.0 s) · waited 1.0 s, 3 attempts',
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

describe('waitMode', () => {
  test('waitMode: a terminal gets the live line; otherwise only --verbose speaks', () => {
    expect(waitMode(true, false)).toBe('tty');
    expect(waitMode(false, true)).toBe('verbose');
    expect(waitMode(false, false)).toBe('quiet');
  });
});
