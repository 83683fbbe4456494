import type { Logger } from '../../runtime/logger.js';
import { type Io, PREFIX } from './io.js';

/** A logger that can be muted once the CLI has said what matters itself. */
export interface CliLogger extends Logger {
  /** Drops every later message (e.g. the lock's repeated warnings after a reported loss). */
  mute(): void;
}

/** The lock's logger inside the CLI: warnings and errors always, the rest with --verbose. */
export function cliLogger(io: Io, verbose: boolean): CliLogger {
  let muted = false;
  const line = (level: string, message: string, args: unknown[]): void => {
    if (muted) return;
    const cause = args.find((a) => a instanceof Error) as Error | undefined;
    io.err(`${PREFIX} ${level}${message}${cause === undefined ? '' : ` (${cause.name}: ${cause.message})`}`);
  };
  return {
    debug: (message, ...args) => {
      if (verbose) line('', message, args);
    },
    info: (message, ...args) => {
      if (verbose) line('', message, args);
    },
    warn: (message, ...args) => line('warning: ', message, args),
    error: (message, ...args) => line('error: ', message, args),
    mute: () => {
      muted = true;
    },
  };
}
