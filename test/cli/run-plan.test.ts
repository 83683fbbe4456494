import { describe, expect, test } from 'vitest';
import { childEnv, killTimeline, planRun } from '../../src/cli/run/run-plan.js';

const flags = {
  duration: undefined,
  timeout: undefined,
  'kill-after': undefined,
  'no-wait': false,
  elect: false,
  verbose: false,
};

describe('planRun', () => {
  test('checks the flags against each other', () => {
    expect(planRun({ ...flags, duration: '30', timeout: '2.5' }, 'job', ['ls', '-la'])).toMatchObject({
      resourceId: 'job',
      command: ['ls', '-la'],
      duration: 30,
      timeout: 2.5,
      wait: true,
      elect: false,
      verbose: false,
    });
    expect(() => planRun({ ...flags, 'no-wait': true, timeout: '1' }, 'job', ['ls'])).toThrow(
      '--no-wait and --timeout exclude each other',
    );
    expect(() => planRun(flags, '', ['ls'])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  test('--elect campaigns until it leads: it takes --duration and --kill-after, not --no-wait or --timeout', () => {
    expect(planRun({ ...flags, elect: true, duration: '6', 'kill-after': '1' }, 'job', ['ls'])).toMatchObject({
      elect: true,
      wait: true,
      timeout: undefined,
      timeline: { killAfterMs: 1000 },
    });
    expect(() => planRun({ ...flags, elect: true, 'no-wait': true }, 'job', ['ls'])).toThrow(
      '--elect campaigns until it leads: it excludes --no-wait',
    );
    expect(() => planRun({ ...flags, elect: true, timeout: '5' }, 'job', ['ls'])).toThrow(
      '--elect campaigns until it leads: it excludes --timeout',
    );
    expect(() => planRun({ ...flags, elect: true, concurrency: '2' }, 'job', ['ls'])).toThrow(
      '--elect has one leader: it excludes --concurrency',
    );
  });

  test('--concurrency: an integer from 1 to 1000', () => {
    expect(planRun({ ...flags, concurrency: '3' }, 'job', ['ls']).concurrency).toBe(3);
    expect(planRun(flags, 'job', ['ls']).concurrency).toBeUndefined();
    for (const bad of ['0', '-1', '1.5', 'two', '1001']) {
      expect(() => planRun({ ...flags, concurrency: bad }, 'job', ['ls'])).toThrow(
        /^Expected `--concurrency` to be an integer from 1 to 1000, got /,
      );
    }
  });

  test('the child sees the fencing token and the resource, on top of the environment', () => {
    expect(childEnv({ PATH: '/bin', DYNAMO_DLM_FENCING_TOKEN: 'stale', DYNAMO_DLM_SLOT: '9' }, 'job', 42)).toEqual({
      PATH: '/bin',
      DYNAMO_DLM_FENCING_TOKEN: '42',
      DYNAMO_DLM_RESOURCE: 'job',
    });
    // With --concurrency, the slot held too.
    expect(childEnv({ PATH: '/bin' }, 'job', 42, 2)).toEqual({
      PATH: '/bin',
      DYNAMO_DLM_FENCING_TOKEN: '42',
      DYNAMO_DLM_RESOURCE: 'job',
      DYNAMO_DLM_SLOT: '2',
    });
  });
});

describe('killTimeline: the command is dead before the lease ends, less the safety margin', () => {
  test('the default 10 s lease: SIGKILL 2 s before the end, SIGTERM half the room after the renewal before that', () => {
    const t = killTimeline(undefined, undefined);
    expect(t).toMatchObject({ durationMs: 10_000, marginMs: 2_000, renewMs: 3_333, killBeforeEndMs: 2_000 });
    // Room between the renewal falling due (3.333 s) and the last moment for SIGKILL (8 s): 4.667 s.
    expect(t.killAfterMs).toBe(2_333);
    expect(t.termBeforeEndMs).toBe(4_333);
    // SIGTERM comes after the renewal was due, and SIGKILL before the lease ends.
    expect(t.durationMs - t.termBeforeEndMs).toBeGreaterThan(t.renewMs);
    expect(t.termBeforeEndMs - t.killAfterMs).toBe(t.marginMs);
  });

  test('a long lease keeps the default grace at 10 s; an explicit --kill-after that fits is kept', () => {
    expect(killTimeline(600, undefined).killAfterMs).toBe(10_000);
    expect(killTimeline(600, 60)).toMatchObject({ killAfterMs: 60_000, termBeforeEndMs: 62_000 });
    expect(killTimeline(3, 0.5)).toMatchObject({
      marginMs: 600,
      renewMs: 1_000,
      killAfterMs: 500,
      termBeforeEndMs: 1_100,
    });
  });

  test('a --kill-after that cannot fit inside the lease is a usage error', () => {
    // The old default (10 s) with the default lease: SIGKILL would come 8 s after the lease ended.
    expect(() => killTimeline(undefined, 10)).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining('--kill-after must be less than 4.667 s'),
      }),
    );
    expect(() => killTimeline(3, 1.4)).toThrow(/--kill-after 1.4 does not fit a 3 s lease/);
  });
});
