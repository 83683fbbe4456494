import { main } from '../../src/cli/cli.js';
import type { Io } from '../../src/cli/framework/io.js';

/**
 * An in-memory {@link Io} for calling `main()` in-process. `ask` answers from `answers`, each
 * of which may be a function (run when the question is asked: a test's "meanwhile").
 */
export function fakeIo(
  env: Record<string, string | undefined> = {},
  answers: (string | (() => Promise<string>))[] = [],
  terminal = false,
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
    stderrIsTTY: terminal,
    stdinIsTTY: terminal,
    ask: async () => {
      const answer = answers.shift() ?? '';
      return typeof answer === 'string' ? answer : answer();
    },
  };
}

/** Runs the CLI in-process (so that coverage sees it), as `runCli` runs the built one. */
export async function runMain(
  argv: readonly string[],
  io = fakeIo(),
): Promise<{ code: number; stdout: string; stderr: string }> {
  const code = await main(argv, io);
  return { code, stdout: io.stdout.map((line) => `${line}\n`).join(''), stderr: io.stderr.join('\n') };
}
