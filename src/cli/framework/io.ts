import { createInterface } from 'node:readline/promises';

/**
 * What a command may touch of its process: output streams, the environment and whether
 * they are terminals. Commands get it as an argument instead of reaching for `process`,
 * and only `main.ts` calls `process.exit`.
 */
export interface Io {
  /** Writes a line (a newline is added) to stdout: the command's result. */
  out(line: string): void;
  /** Writes a line to stderr: progress, warnings and errors. */
  err(line: string): void;
  /** Writes raw text to stderr (a live status line). */
  errRaw(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether stderr is a terminal (live status lines, prompts). */
  readonly stderrIsTTY: boolean;
  /** The terminal's width, when stderr is one: a live line longer than this would wrap. */
  readonly columns?: number | undefined;
  /** Whether stdin is a terminal (confirmation prompts). */
  readonly stdinIsTTY: boolean;
  /** Asks a question on stderr and reads one line of stdin. */
  ask(question: string): Promise<string>;
}

/**
 * The real process's streams, and its environment as it is now: what `run` gives its command,
 * whatever this process sets for itself afterwards.
 */
export function processIo(): Io {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    errRaw: (text) => process.stderr.write(text),
    env: { ...process.env },
    stderrIsTTY: process.stderr.isTTY === true,
    stdinIsTTY: process.stdin.isTTY === true,
    columns: process.stderr.isTTY === true ? process.stderr.columns : undefined,
    ask: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  };
}

/** Prefix of every message the CLI writes to stderr. */
export const PREFIX = 'dynamo-dlm:';
