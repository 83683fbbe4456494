import { InvalidArgumentError } from '../errors.js';

/**
 * A bad command line. It is an {@link InvalidArgumentError} (code `INVALID_ARGUMENT`), so that
 * the library's own validation errors and the CLI's map to the same exit code, 2.
 */
export class UsageError extends InvalidArgumentError {
  /** The command whose `--help` the message points to, if any. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}
