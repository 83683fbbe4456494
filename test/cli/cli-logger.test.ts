import { describe, expect, test } from 'vitest';
import { cliLogger } from '../../src/cli/framework/cli-logger.js';
import { fakeIo } from './fake-io.js';

describe('cliLogger', () => {
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
});
