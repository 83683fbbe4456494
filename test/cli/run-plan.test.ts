import { describe, expect, test } from 'vitest';
import { childEnv, parseRunArgs } from '../../src/cli/run-plan.js';

describe('parseRunArgs', () => {
  test('everything after `--` is the command, verbatim, including flags that look like ours', () => {
    const plan = parseRunArgs(['nightly', '--duration', '30', '--', 'backup', '--timeout', '5', '--', '-x'], {});
    expect(plan).toMatchObject({
      resourceId: 'nightly',
      command: ['backup', '--timeout', '5', '--', '-x'],
      duration: 30,
      timeout: undefined,
      wait: true,
      killAfterMs: 10_000,
      verbose: false,
    });
  });

  test('options may come before or after the resource; fractions of seconds are allowed', () => {
    const plan = parseRunArgs(['--no-wait', 'job', '-v', '--kill-after', '0.5', '--table', 't_1', '--', 'ls'], {});
    expect(plan).toMatchObject({ resourceId: 'job', wait: false, verbose: true, killAfterMs: 500 });
    expect(plan !== 'help' && plan.config.tableName).toBe('t_1');
    expect(parseRunArgs(['job', '--timeout=2.5', '--', 'ls'], {})).toMatchObject({ timeout: 2.5 });
  });

  test('--help wins', () => {
    expect(parseRunArgs(['--help'], {})).toBe('help');
    expect(parseRunArgs(['job', '-h', '--', 'ls'], {})).toBe('help');
  });

  test('the child sees the fencing token and the resource, on top of the environment', () => {
    expect(childEnv({ PATH: '/bin', DYNAMO_DLM_FENCING_TOKEN: 'stale' }, 'job', 42)).toEqual({
      PATH: '/bin',
      DYNAMO_DLM_FENCING_TOKEN: '42',
      DYNAMO_DLM_RESOURCE: 'job',
    });
  });
});
