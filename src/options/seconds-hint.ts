import type { Logger } from '../runtime/logger.js';

/**
 * Every time option of this package is in seconds, as in Python dynamo-dlm; most lock libraries
 * on npm take milliseconds. A millisecond value passes validation (30000 s is a valid lease) and
 * silently makes a lease of hours, which a crashed holder then blocks for. No type can tell the
 * two apart, so the lock says it once at run time: a value of at least 1000 that is a whole
 * multiple of 1000 is what a millisecond constant looks like (1000, 5000, 30000, 60000), and a
 * rare lease of that many seconds only costs a warning.
 */
export function looksLikeMilliseconds(seconds: number): boolean {
  return seconds >= 1000 && seconds % 1000 === 0;
}

/** Options already warned about in this process: one warning per option is enough. */
const warned = new Set<string>();

function spell(seconds: number): string {
  if (seconds < 2 * 3600) return `${Math.round(seconds / 60)} minutes`;
  if (seconds < 2 * 86_400) return `${(seconds / 3600).toFixed(1)} hours`;
  return `${(seconds / 86_400).toFixed(1)} days`;
}

/**
 * Warns once per process and option name when a number of seconds looks like milliseconds
 * (see {@link looksLikeMilliseconds}). The value is used as given: this is a hint, not a check.
 */
export function hintIfMilliseconds(name: string, seconds: number, logger: Logger): void {
  if (!looksLikeMilliseconds(seconds) || warned.has(name)) return;
  warned.add(name);
  logger.warn(
    `\`${name}\` is ${seconds} seconds (${spell(seconds)}): lock times are seconds, not milliseconds. ` +
      `If you meant ${seconds / 1000} s, pass ${seconds / 1000}. (Said once per process.)`,
  );
}

/** Forgets which options were warned about: for tests only. */
export function resetSecondsHints(): void {
  warned.clear();
}
