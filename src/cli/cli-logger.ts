import type { Logger } from '../logger.js';
import { type Io, PREFIX } from './io.js';

/** The lock's logger inside the CLI: warnings and errors always, the rest with --verbose. */
export function cliLogger(io: Io, verbose: boolean): Logger {
  const line = (level: string, message: string, args: unknown[]): void => {
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
  };
}
