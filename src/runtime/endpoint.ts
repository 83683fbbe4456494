import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { endpointOf } from './client.js';

/**
 * What the lock has learnt about each client's connection (keyed like the process line, by the
 * client's `config`): the endpoint it was given, as text for messages, and whether DynamoDB ever
 * answered through it. Process-wide, and forgotten with the client.
 */
interface Known {
  /** Undefined until resolved, and when the client has no endpoint of its own. */
  label: string | undefined;
  resolved: boolean;
  resolving: Promise<string | undefined> | undefined;
  answered: boolean;
}

const known = new WeakMap<object, Known>();

function entry(client: DynamoDBClient): Known {
  const key = endpointOf(client);
  let k = known.get(key);
  if (k === undefined) {
    k = { label: undefined, resolved: false, resolving: undefined, answered: false };
    known.set(key, k);
  }
  return k;
}

interface EndpointConfig {
  isCustomEndpoint?: unknown;
  endpoint?: unknown;
  serviceConfiguredEndpoint?: unknown;
}

interface Endpoint {
  protocol?: string;
  hostname?: string;
  port?: number;
  path?: string;
}

/**
 * The endpoint the client was given (the `endpoint` option, or `AWS_ENDPOINT_URL_DYNAMODB` /
 * `AWS_ENDPOINT_URL`), as `http://127.0.0.1:8000`; undefined when it has none (AWS's endpoint of
 * its region) or the client is not an SDK client. The SDK only hands it out asynchronously.
 */
export function resolveEndpoint(client: DynamoDBClient): Promise<string | undefined> {
  const k = entry(client);
  if (k.resolved) return Promise.resolve(k.label);
  k.resolving ??= readEndpoint(client).then(
    (label) => {
      k.label = label;
      k.resolved = true;
      return label;
    },
    () => {
      k.resolved = true;
      return undefined;
    },
  );
  return k.resolving;
}

async function readEndpoint(client: DynamoDBClient): Promise<string | undefined> {
  const config = (client as { config?: EndpointConfig }).config;
  if (config === undefined) return undefined;
  if (config.isCustomEndpoint === true && typeof config.endpoint === 'function') {
    const e = (await (config.endpoint as () => Promise<Endpoint>)()) ?? {};
    const port = e.port === undefined ? '' : `:${e.port}`;
    const path = e.path === undefined || e.path === '/' ? '' : e.path;
    return `${e.protocol ?? 'https:'}//${e.hostname ?? ''}${port}${path}`;
  }
  if (typeof config.serviceConfiguredEndpoint === 'function') {
    const url: unknown = await (config.serviceConfiguredEndpoint as () => Promise<unknown>)();
    if (typeof url === 'string') return url;
  }
  return undefined;
}

/**
 * {@link resolveEndpoint}'s answer, for messages that cannot wait: known once resolved, which
 * the first acquire starts (a failure needs a network round trip, resolving only a tick).
 */
export function endpointLabel(client: DynamoDBClient): string | undefined {
  const k = entry(client);
  if (!k.resolved) void resolveEndpoint(client);
  return k.label;
}

/** DynamoDB answered a request sent through `client`. */
export function markAnswered(client: DynamoDBClient): void {
  entry(client).answered = true;
}

/** Whether DynamoDB ever answered a request of this lock library sent through `client`. */
export function hasAnswered(client: DynamoDBClient): boolean {
  return entry(client).answered;
}
