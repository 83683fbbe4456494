import { describe, expect, test } from 'vitest';
import { runCli } from './cli-process.js';

describe('dynamo-dlm demo', () => {
  test('workers contend for one lock and the computed verdict is zero violations', async () => {
    const result = await runCli(['demo', '--workers', '3', '--increments', '8']);
    expect(result.stderr).not.toContain('NodeVersionSupportWarning');
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/acquisitions\s+24\n/);
    expect(out).toMatch(/final counter\s+24 \(expected 24\)/);
    expect(out).toMatch(/overlapping holds\s+0\n/);
    expect(out).toMatch(/strictly increasing in hold order: yes/);
    expect(out).toContain('mutual-exclusion violations: 0');
    // Attempts include every refused write: at least one per acquisition.
    const attempts = Number(/attempts\s+(\d+) conditional writes/.exec(out)?.[1]);
    expect(attempts).toBeGreaterThanOrEqual(24);
    // Progress went to stderr, ending at the total.
    expect(result.stderr).toContain('24/24 increments');
  });

  test('bad numbers are usage errors', async () => {
    const result = await runCli(['demo', '--workers', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--workers expects an integer from 1 to 16');
  });
});
