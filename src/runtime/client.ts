import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

let shared: DynamoDBClient | undefined;

/**
 * The client settings this package uses for every client it builds itself (the library's default
 * client and the CLI's), with `overrides` (endpoint, region, credentials) on top.
 *
 * - One attempt per request (`maxAttempts: 1`): the lock retries throttling and transient
 *   failures itself, with its own backoff, WARNING logs and deadline (the lease end or the
 *   acquire timeout), instead of stacking the SDK's hidden retries beneath its own.
 * - A request that hangs fails after 5 s (3 s to connect) instead of waiting for ever: without
 *   `throwOnRequestTimeout`, @smithy/node-http-handler 4.x only logs a hung request and keeps
 *   waiting, and a renewal stuck that way would outlive the lease it was meant to extend.
 */
export function clientConfig(overrides: DynamoDBClientConfig = {}): DynamoDBClientConfig {
  return {
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 5_000, throwOnRequestTimeout: true },
    ...overrides,
  };
}

/**
 * The client locks use when the caller passes none: built on first use from the default AWS
 * configuration (region, credentials, `AWS_ENDPOINT_URL_DYNAMODB`) and {@link clientConfig},
 * then shared by every lock. A caller's own client keeps the caller's retry settings, and both
 * layers then apply.
 */
export function defaultClient(): DynamoDBClient {
  shared ??= new DynamoDBClient(clientConfig());
  return shared;
}

/**
 * What identifies a client's connection settings, for the process-local line of waiters: its
 * `config` object. A `DynamoDBDocumentClient` shares the `config` of the client it wraps, so
 * locks given either one line up together; two separately built clients never share a line.
 */
export function endpointOf(client: DynamoDBClient): object {
  const config: unknown = (client as { config?: unknown }).config;
  return typeof config === 'object' && config !== null ? config : client;
}
