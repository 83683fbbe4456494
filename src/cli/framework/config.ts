import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DEFAULT_TABLE_NAME, defaults } from '../../defaults.js';
import type { TableLayout } from '../../item/attributes.js';
import { checkTableName } from '../../options/validate.js';
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

/** The lock table: the flag, else `DYNAMO_DLM_TABLE`, else the library's `defaults.tableName`. */
export function resolveTableName(flag: string | undefined, env: Env): string {
  return checkTableName(flag ?? nonEmpty(env.DYNAMO_DLM_TABLE) ?? defaults.tableName, 'table');
}

/**
 * Flags win over the environment (`DYNAMO_DLM_TABLE`, `DYNAMO_DLM_TABLE_LAYOUT`, `AWS_ENDPOINT_URL_DYNAMODB`,
 * `AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_DEFAULT_REGION`), which wins over the library's
 * defaults. Pure: the environment is passed in.
 *
 * @throws {@link UsageError} for an endpoint that is not an http(s) URL.
 * @throws {@link InvalidArgumentError} for a bad table name.
 */
export function resolveConfig(flags: ConnectionFlags, env: Env): CliConfig {
  const tableName = resolveTableName(flags.table, env);
  const tableLayout = resolveTableLayout(flags['table-layout'], env);
  const endpoint = flags.endpoint ?? nonEmpty(env.AWS_ENDPOINT_URL_DYNAMODB) ?? nonEmpty(env.AWS_ENDPOINT_URL);
  let local = false;
  if (endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new UsageError(`--endpoint expects a URL such as http://127.0.0.1:8000, got \`${endpoint}\``);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UsageError(`--endpoint expects an http or https URL, got \`${endpoint}\``);
    }
    local = LOOPBACK.has(url.hostname);
  }
  const hasCredentials = [env.AWS_ACCESS_KEY_ID, env.AWS_PROFILE, env.AWS_WEB_IDENTITY_TOKEN_FILE].some(
    (v) => nonEmpty(v) !== undefined,
  );
  const region =
    flags.region ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? (local ? 'us-east-1' : undefined);
  return { tableName, tableLayout, endpoint, region, localCredentials: local && !hasCredentials };
}

/** The table layout: the flag, else `DYNAMO_DLM_TABLE_LAYOUT`, else the library's `defaults.tableLayout`. */
export function resolveTableLayout(flag: string | undefined, env: Env): TableLayout {
  const value = flag ?? nonEmpty(env.DYNAMO_DLM_TABLE_LAYOUT) ?? defaults.tableLayout;
  if (value !== 'single' && value !== 'slots') {
    throw new UsageError(`--table-layout expects single or slots, got \`${value}\``);
  }
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
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
