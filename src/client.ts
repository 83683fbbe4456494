import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

let shared: DynamoDBClient | undefined;

/**
 * The client locks use when the caller passes none: built on first use from the default AWS
 * configuration (region, credentials, `AWS_ENDPOINT_URL_DYNAMODB`), then shared by every lock.
 *
 * It makes one attempt per request (`maxAttempts: 1`): the lock retries throttling and
 * transient failures itself, with its own backoff, WARNING logs and deadline (the lease end or
 * the acquire timeout), instead of stacking the SDK's hidden retries beneath its own.
 * A caller's own client keeps the caller's retry settings, and both layers then apply.
 */
export function defaultClient(): DynamoDBClient {
  shared ??= new DynamoDBClient({
    maxAttempts: 1,
    // Without throwOnRequestTimeout, @smithy/node-http-handler 4.x only logs a hung request and keeps waiting.
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 5_000, throwOnRequestTimeout: true },
  });
  return shared;
}
