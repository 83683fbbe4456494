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

/** The real process's streams. */
export function processIo(): Io {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    errRaw: (text) => process.stderr.write(text),
    env: process.env,
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

/**
 * The AWS SDK prints a `NodeVersionSupportWarning` on Node 20 (future SDK releases will need
 * Node 22) the first time a client is built. It says nothing about this command and would
 * clutter every run, so the CLI drops that one warning and lets every other warning through.
 */
export function quietSdkNodeVersionWarning(): void {
  const original = process.emitWarning;
  const filtered = function emitWarning(this: unknown, warning: string | Error, ...rest: unknown[]): void {
    if (isNodeVersionSupportWarning(warning)) return;
    (original as (...args: unknown[]) => void).call(process, warning, ...rest);
  };
  process.emitWarning = filtered as typeof process.emitWarning;
}

/** Whether a warning is the SDK's Node-version notice (matched on its text, which names it). */
export function isNodeVersionSupportWarning(warning: unknown): boolean {
  const text = typeof warning === 'string' ? warning : warning instanceof Error ? warning.message : '';
  const name = warning instanceof Error ? warning.name : '';
  return name === 'NodeVersionSupportWarning' || text.startsWith('NodeVersionSupportWarning');
}
