import type { Io } from '../../src/cli/io.js';

/** An in-memory {@link Io} for calling `main()` in-process. */
export function fakeIo(
  env: Record<string, string | undefined> = {},
  answers: string[] = [],
): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    errRaw: (text) => stderr.push(text),
    env,
    stderrIsTTY: false,
    stdinIsTTY: false,
    ask: async () => answers.shift() ?? '',
  };
}
