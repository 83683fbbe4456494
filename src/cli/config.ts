import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { defaults } from '../defaults.js';
import { checkTableName } from '../validate.js';
import { UsageError } from './usage-error.js';

/** Where the CLI sends its requests, resolved from flags, then environment, then defaults. */
export interface CliConfig {
  readonly tableName: string;
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
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * Flags win over the environment (`DYNAMO_DLM_TABLE`, `AWS_ENDPOINT_URL_DYNAMODB`,
 * `AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_DEFAULT_REGION`), which wins over the library's
 * defaults. Pure: the environment is passed in.
 *
 * @throws {@link UsageError} for an endpoint that is not an http(s) URL.
 * @throws {@link InvalidArgumentError} for a bad table name.
 */
export function resolveConfig(flags: ConnectionFlags, env: Readonly<Record<string, string | undefined>>): CliConfig {
  const tableName = checkTableName(flags.table ?? nonEmpty(env.DYNAMO_DLM_TABLE) ?? defaults.tableName, 'table');
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
  return { tableName, endpoint, region, localCredentials: local && !hasCredentials };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * SDK client settings. A lock's client makes one attempt per request, as the library's own
 * default client does (the lock retries with its own backoff); reads keep the SDK's retries.
 */
export function clientConfig(config: CliConfig, purpose: 'lock' | 'read'): DynamoDBClientConfig {
  return {
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    ...(config.region === undefined ? {} : { region: config.region }),
    ...(config.localCredentials ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    ...(purpose === 'lock' ? { maxAttempts: 1 } : {}),
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 5_000 },
  };
}

/** A client for the resolved configuration. Destroy it when done. */
export function createClient(config: CliConfig, purpose: 'lock' | 'read'): DynamoDBClient {
  return new DynamoDBClient(clientConfig(config, purpose));
}
