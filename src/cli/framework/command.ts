import { parseArgs } from 'node:util';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { UsageError } from './args.js';
import { type CliConfig, CONNECTION_FLAGS, CONNECTION_NOTE, createClient, resolveConfig } from './config.js';
import { EXIT } from './exit-codes.js';
import type { Io } from './io.js';
import { suggest } from './suggest.js';

/** One flag: how it parses and how `--help` shows it. */
export interface FlagDef {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** The value's placeholder in the help (`--duration S`); string flags only. */
  readonly value?: string;
  readonly help: string;
  /** What applies without the flag, as the help shows it in brackets. */
  readonly default?: string;
}

/** A command's flags by name. */
export type Flags = Readonly<Record<string, FlagDef>>;

/** Parsed flag values: booleans are false when absent, strings undefined. */
export type FlagValues<F extends Flags> = {
  readonly [K in keyof F]: F[K]['type'] extends 'boolean' ? boolean : string | undefined;
};

/** What a command's `run` gets. */
export interface CommandContext<F extends Flags, P extends string> {
  readonly io: Io;
  readonly flags: FlagValues<F>;
  /** The positionals, by the names the definition gives them. */
  readonly args: Readonly<Record<P, string>>;
  /** Everything after `--`, verbatim (only for a definition with `rest`). */
  readonly rest: readonly [string, ...string[]];
}

/** The context of a command that connects: the resolved configuration and a live client. */
export interface ConnectedContext<F extends Flags, P extends string> extends CommandContext<F, P> {
  readonly config: CliConfig;
  /** Destroyed when `run` settles. */
  readonly client: DynamoDBClient;
}

/** A command as `defineCommand` takes it. */
export interface CommandDef<F extends Flags, P extends string, C extends boolean> {
  readonly name: string;
  /** One line in `dynamo-dlm --help`. */
  readonly summary: string;
  /** The paragraph under the usage line of `--help`. */
  readonly description: string;
  readonly positionals?: readonly P[];
  /** What must follow `--` (`<command> [args...]`); omitted when nothing may. */
  readonly rest?: string;
  /** The synopsis after the name, when the generated one says too little. */
  readonly usage?: string;
  readonly flags: F;
  /** Adds the connection flags, resolves the configuration and owns the client. */
  readonly connect?: C;
  /** Left out of `dynamo-dlm --help` (the demo's worker). */
  readonly hidden?: boolean;
  /** Sections printed after the options. */
  readonly notes?: readonly string[];
  run(context: C extends true ? ConnectedContext<F, P> : CommandContext<F, P>): Promise<number>;
}

/** A defined command: its help, and a runner of its arguments. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly synopsis: string;
  readonly hidden: boolean;
  /** The full `--help` text. */
  help(): string;
  /** Runs the command's arguments (after its name); resolves to the exit code. */
  run(args: readonly string[], io: Io): Promise<number>;
}

const HELP_FLAG = { type: 'boolean', short: 'h', help: 'show this help' } as const satisfies FlagDef;

/**
 * Defines a command once: its flags parse strictly (a mistyped flag is a usage error, never
 * ignored), `--help` prints usage generated from the definition, the positionals are counted
 * and named, and with `connect` the connection flags are resolved and the client is created
 * and destroyed around `run`. Every error becomes an exit code in `cli.ts`.
 */
export function defineCommand<F extends Flags, P extends string = never, C extends boolean = false>(
  def: CommandDef<F, P, C>,
): Command {
  const names = def.positionals ?? [];
  const synopsis =
    def.usage ??
    [...names.map((n) => `<${n}>`), '[options]', ...(def.rest === undefined ? [] : ['--', def.rest])].join(' ');
  const flags: Flags = { ...def.flags, help: HELP_FLAG };
  const help = (): string =>
    [
      `Usage: dynamo-dlm ${def.name} ${synopsis}`,
      def.description,
      `Options:\n${flagLines(flags)}`,
      ...(def.connect === true ? [`Connection:\n${flagLines(CONNECTION_FLAGS)}\n  ${indent(CONNECTION_NOTE)}`] : []),
      ...(def.notes ?? []),
    ].join('\n\n');

  return {
    name: def.name,
    summary: def.summary,
    synopsis,
    hidden: def.hidden === true,
    help,
    async run(argv, io) {
      const parsed = parse(def, { ...flags, ...(def.connect === true ? CONNECTION_FLAGS : {}) }, argv, synopsis);
      if (parsed === undefined) {
        io.out(help());
        return EXIT.OK;
      }
      const context = { io, flags: parsed.values, args: parsed.args, rest: parsed.rest };
      type Run = (c: CommandContext<F, P> | ConnectedContext<F, P>) => Promise<number>;
      const run = def.run as Run;
      if (def.connect !== true) return run(context);
      const v = parsed.values as Record<string, string | undefined>;
      const config = resolveConfig(
        { table: v.table, 'table-layout': v['table-layout'], endpoint: v.endpoint, region: v.region },
        io.env,
      );
      const client = createClient(config);
      try {
        return await run({ ...context, config, client });
      } finally {
        client.destroy();
      }
    },
  };
}

interface Parsed<F extends Flags, P extends string> {
  values: FlagValues<F>;
  args: Record<P, string>;
  rest: [string, ...string[]];
}

/**
 * `util.parseArgs` for the tokens, with the checks of its strict mode done here, so that a bad
 * flag is told in the CLI's words: a near miss gets a suggestion, and a negative number is a
 * value (`--duration -5`, which the flag's own check then rejects) rather than an ambiguity.
 * The arguments after `--` are kept apart. Undefined when `--help` was asked for.
 */
function parse<F extends Flags, P extends string>(
  def: CommandDef<F, P, boolean>,
  flags: Flags,
  argv: readonly string[],
  synopsis: string,
): Parsed<F, P> | undefined {
  const options = Object.fromEntries(
    Object.entries(flags).map(([name, f]) => [
      name,
      f.short === undefined ? { type: f.type } : { type: f.type, short: f.short },
    ]),
  );
  const { tokens } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: false, tokens: true });
  const values: Record<string, string | boolean | undefined> = {};
  for (const [name, f] of Object.entries(flags)) if (f.type === 'boolean') values[name] = false;
  const names = def.positionals ?? [];
  // `--help` anywhere wins, over any mistake around it.
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return undefined;
  for (const t of tokens) if (t.kind === 'option') values[t.name] = flagValue(t, flags, def, argv, synopsis);
  const terminator = tokens.find((t) => t.kind === 'option-terminator')?.index;
  const positionals: string[] = [];
  const rest: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') (terminator !== undefined && t.index > terminator ? rest : positionals).push(t.value);
  }
  if (def.rest !== undefined && terminator === undefined) {
    throw new UsageError(
      positionals.length > names.length
        ? `put the command after \`--\`: dynamo-dlm ${def.name} ${positionals.slice(0, names.length).join(' ')} [options] -- ${positionals.slice(names.length).join(' ')}`
        : `missing \`-- ${def.rest}\``,
    );
  }
  if (positionals.length < names.length) throw new UsageError(`missing <${names[positionals.length]}>`);
  const extra = positionals[names.length] ?? (def.rest === undefined ? rest[0] : undefined);
  if (extra !== undefined) throw new UsageError(`unexpected argument \`${extra}\``);
  if (def.rest !== undefined && !rest[0]) throw new UsageError('missing the command after `--`');
  return {
    values: values as Parsed<F, P>['values'],
    args: Object.fromEntries(names.map((name, i) => [name, positionals[i]])) as Record<P, string>,
    rest: rest as Parsed<F, P>['rest'],
  };
}

type OptionToken = Extract<NonNullable<ReturnType<typeof parseArgs>['tokens']>[number], { kind: 'option' }>;

/** A negative number given as a flag's value: `--duration -5` means the value -5. */
const NEGATIVE = /^-(\d|\.\d)/;

/** One flag's value, or a usage error that says what is wrong with it. */
function flagValue(
  t: OptionToken,
  flags: Flags,
  def: CommandDef<Flags, string, boolean>,
  argv: readonly string[],
  synopsis: string,
): string | boolean {
  const f = flags[t.name];
  if (f === undefined) {
    const near = t.rawName.startsWith('--') ? suggest(t.name, Object.keys(flags)) : undefined;
    // `run job ls -la`: the command's own flags were read as ours. Say where the command goes.
    const hint =
      def.rest !== undefined && !argv.includes('--')
        ? `\nThe command to run goes after \`--\`: dynamo-dlm ${def.name} ${synopsis}`
        : '';
    throw new UsageError(
      `unknown flag \`${t.rawName}\`${near === undefined ? '' : `; did you mean \`--${near}\`?`}${hint}`,
    );
  }
  if (f.type === 'boolean') {
    if (t.value !== undefined) throw new UsageError(`${t.rawName} takes no value, got \`${t.rawName}=${t.value}\``);
    return true;
  }
  const usage = f.value === undefined ? '' : ` (${t.rawName} ${f.value})`;
  if (t.value === undefined) throw new UsageError(`${t.rawName} needs a value${usage}`);
  if (!t.inlineValue && t.value.startsWith('-') && !NEGATIVE.test(t.value)) {
    throw new UsageError(`${t.rawName} needs a value${usage}, got the flag \`${t.value}\``);
  }
  return t.value;
}

/** Aligned help lines for flags: `  -v, --verbose   what it does   [default]`. */
function flagLines(flags: Flags): string {
  const rows = Object.entries(flags).map(([name, f]) => [
    `${f.short === undefined ? '' : `-${f.short}, `}--${name}${f.value === undefined ? '' : ` ${f.value}`}`,
    `${f.help}${f.default === undefined ? '' : ` [${f.default}]`}`,
  ]);
  const width = Math.max(...rows.map(([left]) => (left ?? '').length)) + 3;
  return rows.map(([left, right]) => `  ${(left ?? '').padEnd(width)}${right}`).join('\n');
}

function indent(text: string): string {
  return text.replaceAll('\n', '\n  ');
}
