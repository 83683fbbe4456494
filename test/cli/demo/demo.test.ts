import { describe, expect, test } from 'vitest';
import { runCli } from '../cli-process.js';

describe('dynamo-dlm demo', () => {
  test('workers contend for one lock, one dies holding it, and the computed verdict is zero violations', async () => {
    const result = await runCli(['demo', '--workers', '3', '--increments', '8']);
    expect(result.stderr).not.toContain('NodeVersionSupportWarning');
    expect(result.code).toBe(0);
    const out = result.stdout;
    // The worker holding the lock when the counter reached 4 was killed before its increment;
    // its unfinished share is simply not done, everything else is.
    const counter = Number(/final counter\s+(\d+) \(expected (\d+)\)/.exec(out)?.[1]);
    expect(out).toMatch(new RegExp(`final counter\\s+${counter} \\(expected ${counter}\\)`));
    expect(counter).toBeGreaterThanOrEqual(16);
    expect(counter).toBeLessThan(24);
    // One acquisition per increment, plus the crashed holder's.
    expect(out).toMatch(new RegExp(`acquisitions\\s+${counter + 1}\\n`));
    expect(out).toMatch(/crashed holders\s+1 /);
    // The others had increments left, so one of them took the abandoned lease over.
    expect(out).toMatch(/takeovers\s+1 /);
    expect(out).toMatch(/overlapping holds\s+0\n/);
    expect(out).toMatch(
      new RegExp(`${counter + 1} values for ${counter + 1} acquisitions; strictly increasing in hold order: yes`),
    );
    expect(out).toContain('mutual-exclusion violations: 0');
    // Attempts include every refused write: at least one per acquisition.
    const attempts = Number(/attempts\s+(\d+) conditional writes/.exec(out)?.[1]);
    expect(attempts).toBeGreaterThanOrEqual(counter + 1);
    // Progress went to stderr, ending at the total.
    expect(result.stderr).toContain(`${counter}/${counter} increments`);
  });

  test('--no-crash: every worker finishes, nothing is taken over', async () => {
    const result = await runCli(['demo', '--workers', '2', '--increments', '5', '--no-crash']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/acquisitions\s+10\n/);
    expect(result.stdout).toMatch(/final counter\s+10 \(expected 10\)/);
    expect(result.stdout).not.toContain('crashed holders');
    expect(result.stdout).toContain('mutual-exclusion violations: 0');
  });

  test('bad numbers are usage errors', async () => {
    const result = await runCli(['demo', '--workers', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--workers expects an integer from 1 to 16');
  });
});
