import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type MisconfiguredError, UnreachableError } from '../errors.js';
import { endpointLabel, hasAnswered } from './endpoint.js';
import { answered, classify, errorText, misconfigured, unknownHost } from './sdk-errors.js';

/**
 * The errors of a one-off request (a `readLock`, a step of `createLockTable`) that DynamoDB never
 * answered, in one place so that both say it alike. The acquire loop tells the same apart over
 * many writes, in `src/acquire/contact.ts`.
 */

/** `what` (e.g. "GetItem of \`job\`") was cut off by its own deadline after `cutOffMs` with no answer. */
export function cutOff(client: DynamoDBClient, what: string, error: unknown, cutOffMs: number): UnreachableError {
  return noAnswer(client, what, error, ` within ${cutOffMs / 1000} s`);
}

/**
 * The error for `what` failing with `error` before any answer came, or undefined when DynamoDB
 * (or something speaking HTTP in front of it) answered, for the caller's own wrapping: a host
 * name that never resolved through this client is a {@link MisconfiguredError} (waiting cannot
 * fix it), a connection refused or reset an {@link UnreachableError}.
 */
export function unanswered(
  client: DynamoDBClient,
  what: string,
  error: unknown,
): MisconfiguredError | UnreachableError | undefined {
  if (unknownHost(error) && !hasAnswered(client)) return misconfigured(what, error, endpointLabel(client));
  if (classify(error) === 'transient' && !answered(error)) return noAnswer(client, what, error, '');
  return undefined;
}

function noAnswer(client: DynamoDBClient, what: string, error: unknown, within: string): UnreachableError {
  const endpoint = endpointLabel(client);
  return new UnreachableError(
    `${what} got no answer from DynamoDB${endpoint === undefined ? '' : ` at ${endpoint}`}${within}: ${errorText(error)}`,
    { cause: error, endpoint },
  );
}
