import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DEFAULT_TABLE_NAME, defaults } from '../../defaults.js';
import type { TableLayout } from '../../item/attributes.js';
import { checkTableLayout, checkTableName } from '../../options/validate.js';
import { clientConfig } from '../../runtime/client.js';
import { UsageError } from './args.js';
import type { Flags } from './command.js';

/** Where the CLI sends its requests, resolved from flags, then environment, then defaults. */
export interface CliConfig {
  readonly tableName: string;
  /** How the table is keyed: `'single'` (Python 1.x) or `'slots'` (Python 2.x, for --concurrency). */
  readonly tableLayout: TableLayout;
  /** An explicit endpoint (a local DynamoDB); undefined for AWS's own. */
  readonly endpoint: string | undefined;
  /** Undefined lets the SDK find it (profile, instance metadata). */
  readonly region: string | undefined;
  /**
   * True when the endpoint is on this machine and no credentials are configured: then dummy
   * credentials are used, which every local DynamoDB accepts.
   */
  readonly localCredentials: boolean;
}

/** The connection flags as parsed. */
export interface ConnectionFlags {
  readonly table?: string | undefined;
  readonly 'table-layout'?: string | undefined;
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The `--table` flag, which `local` shares with the commands that connect. */
export const TABLE_FLAG = {
  type: 'string',
  value: 'NAME',
  help: 'lock table',
  default: `env DYNAMO_DLM_TABLE; ${DEFAULT_TABLE_NAME}`,
} as const;

/** The flags of every command that talks to DynamoDB; `defineCommand` adds them with `connect`. */
export const CONNECTION_FLAGS = {
  table: TABLE_FLAG,
  'table-layout': {
    type: 'string',
    value: 'L',
    help: "the table's key layout: single (Python dynamo-dlm 1.x) or slots (2.x: sort key concurrency_id, for --concurrency)",
    default: 'env DYNAMO_DLM_TABLE_LAYOUT; single',
  },
  endpoint: {
    type: 'string',
    value: 'URL',
    help: 'DynamoDB endpoint',
    default: 'env AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL',
  },
  region: {
    type: 'string',
    value: 'REGION',
    help: 'AWS region',
    default: 'env AWS_REGION, AWS_DEFAULT_REGION; us-east-1 for a loopback endpoint',
  },
} as const satisfies Flags;

/** Printed under the connection flags in every `--help` that has them. */
export const CONNECTION_NOTE = `Flags win over the environment, which wins over the defaults. Credentials come from the usual
AWS chain; a loopback endpoint with none configured gets dummy ones, which local DynamoDB
servers accept.`;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** A setting as given, with where it came from: the flag, or the environment variable (for the error's name). */
interface Given {
  readonly value: string;
  readonly source: string;
}

/** The flag if given, else the first of `vars` that is set and not empty. */
function given(flag: string | undefined, flagName: string, env: Env, ...vars: string[]): Given | undefined {
  if (flag !== undefined) return { value: flag, source: `--${flagName}` };
  for (const name of vars) {
    const value = env[name];
    if (value !== undefined && value !== '') return { value, source: name };
  }
  return undefined;
}

/** The lock table: the flag, else `DYNAMO_DLM_TABLE`, else the library's `defaults.tableName`. */
export function resolveTableName(flag: string | undefined, env: Env): string {
  const table = given(flag, 'table', env, 'DYNAMO_DLM_TABLE');
  return table === undefined ? defaults.tableName : checkTableName(table.value, table.source);
}

/** The table layout: the flag, else `DYNAMO_DLM_TABLE_LAYOUT`, else the library's `defaults.tableLayout`. */
export function resolveTableLayout(flag: string | undefined, env: Env): TableLayout {
  const layout = given(flag, 'table-layout', env, 'DYNAMO_DLM_TABLE_LAYOUT');
  return layout === undefined ? defaults.tableLayout : checkTableLayout(layout.value, layout.source);
}

/**
 * Flags win over the environment (`DYNAMO_DLM_TABLE`, `DYNAMO_DLM_TABLE_LAYOUT`, `AWS_ENDPOINT_URL_DYNAMODB`,
 * `AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_DEFAULT_REGION`), which wins over the library's
 * defaults. Pure: the environment is passed in. A bad value is named by where it came from.
 *
 * @throws {@link UsageError} for an endpoint that is not an http(s) URL.
 * @throws {@link InvalidArgumentError} for a bad table name or layout (the library's checks).
 */
export function resolveConfig(flags: ConnectionFlags, env: Env): CliConfig {
  const tableName = resolveTableName(flags.table, env);
  const tableLayout = resolveTableLayout(flags['table-layout'], env);
  const endpoint = given(flags.endpoint, 'endpoint', env, 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL');
  const local = endpoint !== undefined && LOOPBACK.has(endpointUrl(endpoint).hostname);
  const hasCredentials = [env.AWS_ACCESS_KEY_ID, env.AWS_PROFILE, env.AWS_WEB_IDENTITY_TOKEN_FILE].some(
    (v) => v !== undefined && v !== '',
  );
  const region =
    given(flags.region, 'region', env, 'AWS_REGION', 'AWS_DEFAULT_REGION')?.value ?? (local ? 'us-east-1' : undefined);
  return { tableName, tableLayout, endpoint: endpoint?.value, region, localCredentials: local && !hasCredentials };
}

function endpointUrl({ value, source }: Given): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${source} expects a URL such as http://127.0.0.1:8000, got \`${value}\``);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${source} expects an http or https URL, got \`${value}\``);
  }
  return url;
}

/**
 * A client for the resolved configuration, with the library's own client settings
 * ({@link clientConfig}: one attempt per request, a hung request fails after 5 s). Destroy it
 * when done.
 */
export function createClient(config: CliConfig): DynamoDBClient {
  return new DynamoDBClient(
    clientConfig({
      ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
      ...(config.region === undefined ? {} : { region: config.region }),
      ...(config.localCredentials ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    }),
  );
}
