import { describe, expect, test, vi } from 'vitest';
import { isNodeVersionSupportWarning, processIo, quietSdkNodeVersionWarning } from '../../src/cli/framework/io.js';

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
