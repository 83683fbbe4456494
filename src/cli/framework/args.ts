import { InvalidArgumentError } from '../../errors.js';
import { checkInteger, checkSeconds } from '../../options/validate.js';

/**
 * A bad command line. It is an {@link InvalidArgumentError} (code `INVALID_ARGUMENT`), so that
 * the library's own validation errors and the CLI's map to the same exit code, 2.
 */
export class UsageError extends InvalidArgumentError {
  override get name(): string {
    return 'UsageError';
  }
}

/** A decimal number as people type one: `30`, `2.5`, `.5`, `-5`, `1e3`; not `0x1f`, `Infinity` or `5s`. */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * A flag's text as the number it spells, or the text itself when it spells none: the library's
 * check then rejects it as a string, so that `--duration abc` and `--duration -5` are both
 * judged, and told, by the same rule as the library's own options.
 */
export function flagNumber(text: string): number | string {
  const trimmed = text.trim();
  return NUMBER.test(trimmed) ? Number(trimmed) : text;
}

/**
 * A flag's value, judged by a check of the library's (`checkConcurrency`, `checkSlot`, ...)
 * under the flag's name; undefined when the flag was not given.
 */
export function parseFlag<T>(
  flag: string,
  text: string | undefined,
  check: (value: unknown, name: string) => T,
): T | undefined {
  return text === undefined ? undefined : check(flagNumber(text), `--${flag}`);
}

/**
 * A flag's value in seconds, by the library's rule for every time it takes: positive, at least
 * 1 ms, and no longer than a timer holds.
 */
export function parseSeconds(flag: string, text: string | undefined): number | undefined {
  return parseFlag(flag, text, (value, name) => {
    checkSeconds(value, name);
    return value as number;
  });
}

/** A flag's value as an integer from `min` to `max`, by the library's integer rule. */
export function parseInteger(flag: string, text: string | undefined, min: number, max: number): number | undefined {
  return parseFlag(flag, text, (value, name) => checkInteger(value, name, min, max));
}
