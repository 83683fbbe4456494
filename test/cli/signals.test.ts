import { describe, expect, test } from 'vitest';
import { shouldForward } from '../../src/cli/framework/signals.js';

describe('signals', () => {
  test('SIGINT is left to the terminal when there is one; other signals are always passed on', () => {
    expect(shouldForward('SIGINT', true)).toBe(false);
    expect(shouldForward('SIGINT', false)).toBe(true);
    expect(shouldForward('SIGTERM', true)).toBe(true);
    expect(shouldForward('SIGHUP', true)).toBe(true);
  });
});
