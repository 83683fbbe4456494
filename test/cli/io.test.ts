import { describe, expect, test, vi } from 'vitest';
import { processIo } from '../../src/cli/framework/io.js';

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
      expect(io.env).toEqual(process.env);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });

  test('takes the environment as it is when built: what this process sets later is its own', () => {
    const io = processIo();
    process.env.DYNAMO_DLM_IO_TEST = 'set later';
    try {
      expect(io.env.DYNAMO_DLM_IO_TEST).toBeUndefined();
    } finally {
      delete process.env.DYNAMO_DLM_IO_TEST;
    }
  });
});
