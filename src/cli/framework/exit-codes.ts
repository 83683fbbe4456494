import { constants } from 'node:os';
import { InvalidArgumentError, LockLostError, LockUnavailableError } from '../../errors.js';

/**
 * The exit codes of `dynamo-dlm`. `run` otherwise exits with its command's own code, so the
 * lock's codes are chosen away from the small numbers commands use most, and from 126-255
 * (shell conventions and signals).
 */
export const EXIT = {
  /** Success (for `run`: the command exited 0). */
  OK: 0,
  /** Any other failure: DynamoDB unreachable, table missing, bad credentials, ... */
  ERROR: 1,
  /** Bad command line: unknown command or flag, missing or invalid value. */
  USAGE: 2,
  /** `run --no-wait`: the lock is held elsewhere (sysexits EX_TEMPFAIL: try again later). */
  HELD: 75,
  /** `run --timeout`: the wait ran out (as GNU `timeout` uses 124). */
  TIMED_OUT: 124,
  /** `run`: the lease was lost, or not renewed in time, while the command ran; the command was terminated. */
  LEASE_LOST: 70,
  /** `run`: the command could not be executed (permission denied), as in shells. */
  CANNOT_EXECUTE: 126,
  /** `run`: the command was not found, as in shells. */
  NOT_FOUND: 127,
} as const;

/** The exit codes as `--help` lists them. */
export const EXIT_CODES_HELP = `Exit codes:
  ${EXIT.OK}    success
  ${EXIT.ERROR}    error (DynamoDB unreachable, table missing, ...)
  ${EXIT.USAGE}    usage error (unknown command or flag, bad value)
  ${EXIT.HELD}   run --no-wait: the lock is held elsewhere
  ${EXIT.TIMED_OUT}  run --timeout: gave up waiting
  ${EXIT.LEASE_LOST}   run: the lease was lost, or not renewed in time, while the command ran; it was terminated
  ${EXIT.CANNOT_EXECUTE}/${EXIT.NOT_FOUND} run: the command could not be executed / was not found
  other run: the command's own exit code; 128+N when it died of signal N`;

/** 128 + the signal's number, as shells report a process killed by a signal. */
export function exitCodeForSignal(signal: NodeJS.Signals): number {
  const number = (constants.signals as Record<string, number | undefined>)[signal];
  return 128 + (number ?? 0);
}

/** The exit code that reports how a child process ended. */
export function exitCodeForChild(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal !== null) return exitCodeForSignal(signal);
  return code ?? EXIT.ERROR;
}

/** The exit code for an error that ended a command. */
export function exitCodeForError(error: unknown): number {
  if (error instanceof InvalidArgumentError) return EXIT.USAGE;
  if (error instanceof LockLostError) return EXIT.LEASE_LOST;
  if (error instanceof LockUnavailableError) return EXIT.HELD;
  return EXIT.ERROR;
}

/** The exit code for a failure to start a command (`spawn` errors). */
export function exitCodeForSpawnError(error: unknown): number {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return EXIT.NOT_FOUND;
  if (code === 'EACCES' || code === 'EISDIR' || code === 'ENOEXEC') return EXIT.CANNOT_EXECUTE;
  return EXIT.ERROR;
}
