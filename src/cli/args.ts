import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './usage-error.js';

/** The option schema `util.parseArgs` takes. */
export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Flags every command that talks to DynamoDB accepts. */
export const CONNECTION_OPTIONS = {
  table: { type: 'string' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
} as const satisfies OptionSpec;

export const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const satisfies OptionSpec;

/** What {@link parseCommandLine} returns. */
export interface ParsedCommandLine {
  readonly values: Record<string, string | boolean | undefined>;
  /** Positionals before `--`. */
  readonly positionals: string[];
  /** Everything after the first `--`, verbatim; undefined when there was no `--`. */
  readonly rest: string[] | undefined;
}

/**
 * `util.parseArgs` in strict mode, with its errors turned into {@link UsageError}s (exit 2)
 * and the arguments after `--` kept apart from the positionals before it.
 */
export function parseCommandLine(command: string, args: readonly string[], options: OptionSpec): ParsedCommandLine {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    throw new UsageError((error as Error).message, command);
  }
  const terminator = parsed.tokens?.find((t) => t.kind === 'option-terminator');
  const positionals: string[] = [];
  const rest: string[] = [];
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== 'positional') continue;
    (terminator !== undefined && token.index > terminator.index ? rest : positionals).push(token.value);
  }
  return {
    values: parsed.values as Record<string, string | boolean | undefined>,
    positionals,
    rest: terminator === undefined ? undefined : rest,
  };
}

/** Exactly `names.length` positionals, named for the error message. */
export function expectPositionals(command: string, positionals: readonly string[], names: readonly string[]): string[] {
  if (positionals.length < names.length) {
    throw new UsageError(`missing <${names[positionals.length]}>`, command);
  }
  if (positionals.length > names.length) {
    throw new UsageError(`unexpected argument \`${positionals[names.length]}\``, command);
  }
  return [...positionals];
}

/** A flag's value in seconds: a positive finite number (fractions allowed). */
export function parseSeconds(command: string, flag: string, value: string | boolean | undefined): number | undefined {
  if (value === undefined || typeof value === 'boolean') return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--${flag} expects a positive number of seconds, got \`${value}\``, command);
  }
  return n;
}

/** A flag's value as an integer within [min, max]. */
export function parseInteger(
  command: string,
  flag: string,
  value: string | boolean | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined || typeof value === 'boolean') return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${flag} expects an integer from ${min} to ${max}, got \`${value}\``, command);
  }
  return n;
}

/** A string flag's value (parseArgs already rejects a missing value). */
export function stringFlag(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
