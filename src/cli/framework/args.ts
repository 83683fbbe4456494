import { InvalidArgumentError } from '../../errors.js';
import { MAX_TIMER_MS } from '../../options/validate.js';

/**
 * A bad command line. It is an {@link InvalidArgumentError} (code `INVALID_ARGUMENT`), so that
 * the library's own validation errors and the CLI's map to the same exit code, 2.
 */
export class UsageError extends InvalidArgumentError {
  override get name(): string {
    return 'UsageError';
  }
}

/** A flag's value in seconds: positive, finite, at least 1 ms and no longer than a timer holds. */
export function parseSeconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0.001) {
    throw new UsageError(`--${flag} expects a positive number of seconds, got \`${value}\``);
  }
  if (n * 1000 > MAX_TIMER_MS) {
    throw new UsageError(
      `--${flag} expects at most ${MAX_TIMER_MS / 1000} seconds (about 24.8 days, the longest a timer can wait), got \`${value}\``,
    );
  }
  return n;
}

/** A flag's value as an integer within [min, max]. */
export function parseInteger(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${flag} expects an integer from ${min} to ${max}, got \`${value}\``);
  }
  return n;
}
