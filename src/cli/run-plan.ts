import { checkResourceId } from '../validate.js';
import {
  CONNECTION_OPTIONS,
  expectPositionals,
  HELP_OPTION,
  parseCommandLine,
  parseSeconds,
  stringFlag,
} from './args.js';
import { type CliConfig, resolveConfig } from './config.js';
import { UsageError } from './usage-error.js';

export const RUN_OPTIONS = {
  ...CONNECTION_OPTIONS,
  ...HELP_OPTION,
  duration: { type: 'string' },
  timeout: { type: 'string' },
  'no-wait': { type: 'boolean' },
  'kill-after': { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
} as const;

/** Seconds between SIGTERM and SIGKILL when the lease is lost, unless --kill-after says otherwise. */
export const DEFAULT_KILL_AFTER = 10;

/** Everything `run` needs, resolved from its command line and the environment. */
export interface RunPlan {
  readonly resourceId: string;
  /** The command and its arguments. */
  readonly command: readonly [string, ...string[]];
  /** Lease length, seconds; undefined for the library's default. */
  readonly duration: number | undefined;
  /** Wait limit, seconds; undefined waits forever. */
  readonly timeout: number | undefined;
  readonly wait: boolean;
  readonly killAfterMs: number;
  readonly verbose: boolean;
  readonly config: CliConfig;
}

/**
 * Parses `run`'s arguments. Pure. Returns `'help'` for `--help`.
 *
 * The command must follow `--`: without it, the command's own flags would be read as ours.
 */
export function parseRunArgs(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): RunPlan | 'help' {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine('run', args, RUN_OPTIONS);
  } catch (error) {
    // `run job ls -la`: the command's flags were read as ours. Say where the command goes.
    if (error instanceof UsageError && !args.includes('--')) {
      throw new UsageError(
        `${error.message}\nThe command to run goes after \`--\`: dynamo-dlm run <resource> [options] -- <command> [args...]`,
        'run',
      );
    }
    throw error;
  }
  const { values, positionals, rest } = parsed;
  if (values.help === true) return 'help';
  if (rest === undefined) {
    throw new UsageError(
      positionals.length > 1
        ? `put the command after \`--\`: dynamo-dlm run ${positionals[0]} [options] -- ${positionals.slice(1).join(' ')}`
        : 'missing `-- <command> [args...]`',
      'run',
    );
  }
  const [resource] = expectPositionals('run', positionals, ['resource']);
  const [program, ...programArgs] = rest;
  if (program === undefined || program === '') throw new UsageError('missing the command after `--`', 'run');
  const wait = values['no-wait'] !== true;
  const timeout = parseSeconds('run', 'timeout', values.timeout);
  if (!wait && timeout !== undefined) throw new UsageError('--no-wait and --timeout exclude each other', 'run');
  return {
    resourceId: checkResourceId(resource, 'resource'),
    command: [program, ...programArgs],
    duration: parseSeconds('run', 'duration', values.duration),
    timeout,
    wait,
    killAfterMs: Math.round((parseSeconds('run', 'kill-after', values['kill-after']) ?? DEFAULT_KILL_AFTER) * 1000),
    verbose: values.verbose === true,
    config: resolveConfig(
      { table: stringFlag(values.table), endpoint: stringFlag(values.endpoint), region: stringFlag(values.region) },
      env,
    ),
  };
}

/** The child's environment: the caller's, plus the fencing token and the resource. */
export function childEnv(
  env: Readonly<Record<string, string | undefined>>,
  resourceId: string,
  fencingToken: number,
): Record<string, string | undefined> {
  return { ...env, DYNAMO_DLM_FENCING_TOKEN: String(fencingToken), DYNAMO_DLM_RESOURCE: resourceId };
}
