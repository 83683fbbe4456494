import type { Io } from './io.js';

/** A subcommand: takes its arguments (after the command name), returns the exit code. */
export type Command = (args: readonly string[], io: Io) => Promise<number>;
