import { Readable } from 'node:stream';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpResponse } from '@smithy/types';

/**
 * Fault injection at the SDK's HTTP layer, for tests that need DynamoDB to misbehave in ways
 * no embedded server does (throttling, 5xx, hangs, resets, "applied but the response was lost").
 *
 * Put a {@link FaultInjector}'s `handler` in front of the real handler through the client's
 * `requestHandler` option; every request is recorded (operation name and JSON body), and each
 * injected fault applies to the next matching requests until used up.
 *
 * @example
 * const faults = new FaultInjector();
 * const client = clientFor(backend, { requestHandler: faults.handler });
 * faults.inject({ kind: 'throttle' }, { times: 2, operation: 'UpdateItem' });
 * await lock.acquire();                    // two throttled answers, then the real one
 * expect(faults.count('UpdateItem')).toBe(3);
 */

/** One way a request can go wrong. */
export type Fault =
  /** Answer a DynamoDB-shaped 400 ProvisionedThroughputExceededException (or `type`). The request is not forwarded. */
  | { readonly kind: 'throttle'; readonly type?: 'ProvisionedThroughputExceededException' | 'ThrottlingException' }
  /** Answer a 500 InternalServerError or 503 ServiceUnavailable. The request is not forwarded. */
  | { readonly kind: 'server-error'; readonly status?: 500 | 503 }
  /**
   * Fail as a dropped connection does (an `Error` with code `ECONNRESET`). With `applied`, the
   * request is first forwarded and applied by the server: the response is what got lost.
   */
  | { readonly kind: 'reset'; readonly applied?: boolean }
  /**
   * Hang for `ms` (default: until the request is aborted), then fail with a `TimeoutError` as
   * the SDK's request timeout does. With `applied`, the server applies the request first.
   */
  | { readonly kind: 'timeout'; readonly ms?: number; readonly applied?: boolean }
  /** Forward the request after `ms`, unharmed: keeps a request in flight for a while. */
  | { readonly kind: 'delay'; readonly ms: number };

/** Which requests a fault applies to, and how often. */
export interface FaultScope {
  /** How many matching requests get the fault. @default 1 */
  readonly times?: number;
  /** Only requests for this DynamoDB operation (`UpdateItem`, `PutItem`, ...). @default any */
  readonly operation?: string;
  /** Only requests whose parsed JSON body passes. @default any */
  readonly when?: (body: Record<string, unknown>) => boolean;
}

/** A request the handler saw. */
export interface RecordedRequest {
  /** DynamoDB operation, from `X-Amz-Target` (`UpdateItem`, ...). */
  readonly operation: string;
  /** The JSON request body. */
  readonly body: Record<string, unknown>;
  /** The fault injected into it, if any. */
  readonly fault: Fault['kind'] | undefined;
}

interface Rule {
  readonly fault: Fault;
  remaining: number;
  readonly scope: FaultScope;
}

type HttpRequest = Parameters<NodeHttpHandler['handle']>[0];
type HttpHandlerOptions = Parameters<NodeHttpHandler['handle']>[1];
type Handle = (request: HttpRequest, options?: HttpHandlerOptions) => Promise<{ response: HttpResponse }>;

function respond(status: number, payload: unknown): { response: HttpResponse } {
  const body = Buffer.from(JSON.stringify(payload));
  return {
    response: {
      statusCode: status,
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'content-length': String(body.length),
        'x-amzn-requestid': 'fault-injected',
      },
      body: Readable.from([body]),
    } as HttpResponse,
  };
}

function networkError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

function timeoutError(): Error {
  const error = new Error('Request timed out (injected)');
  error.name = 'TimeoutError';
  return error;
}

function abortErrorOf(): Error {
  const error = new Error('Request aborted');
  error.name = 'AbortError';
  return error;
}

function wait(ms: number | undefined, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortErrorOf());
    const timer = ms === undefined ? undefined : setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(abortErrorOf());
      },
      { once: true },
    );
  });
}

/** Records every request and injects faults in front of a real handler. */
export class FaultInjector {
  /** Every request seen, in order. */
  readonly requests: RecordedRequest[] = [];
  /** Give this to the client as `requestHandler`. */
  readonly handler: NodeHttpHandler;
  #rules: Rule[] = [];
  readonly #inner: NodeHttpHandler;

  /** @param inner - The handler that really talks to the server. @default a new NodeHttpHandler */
  constructor(inner: NodeHttpHandler = new NodeHttpHandler()) {
    this.#inner = inner;
    // A real NodeHttpHandler whose `handle` is ours: the client keeps calling its config methods.
    const handler = new NodeHttpHandler();
    const handle: Handle = (request, options) => this.#handle(request, options);
    Object.defineProperty(handler, 'handle', { value: handle });
    Object.defineProperty(handler, 'destroy', { value: () => inner.destroy() });
    this.handler = handler;
  }

  /** Applies `fault` to the next matching requests (see {@link FaultScope}). Returns `this`. */
  inject(fault: Fault, scope: FaultScope = {}): this {
    this.#rules.push({ fault, remaining: scope.times ?? 1, scope });
    return this;
  }

  /** Drops every fault not yet used. */
  clear(): void {
    this.#rules = [];
  }

  /** Faults injected but not yet used up. */
  get pending(): number {
    return this.#rules.reduce((sum, r) => sum + (Number.isFinite(r.remaining) ? r.remaining : 1), 0);
  }

  /** How many requests of `operation` were seen (all operations when omitted). */
  count(operation?: string): number {
    return operation === undefined
      ? this.requests.length
      : this.requests.filter((r) => r.operation === operation).length;
  }

  /** The distinct operations seen. */
  operations(): Set<string> {
    return new Set(this.requests.map((r) => r.operation));
  }

  async #handle(request: HttpRequest, options?: HttpHandlerOptions): Promise<{ response: HttpResponse }> {
    const target = String(request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? '');
    const operation = target.split('.').pop() ?? '';
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(bodyText(request.body));
    } catch {
      // Not JSON: record it without a body.
    }
    const rule = this.#rules.find(
      (r) =>
        r.remaining > 0 &&
        (r.scope.operation === undefined || r.scope.operation === operation) &&
        (r.scope.when === undefined || r.scope.when(body)),
    );
    if (rule !== undefined) {
      rule.remaining--;
      if (rule.remaining <= 0) this.#rules = this.#rules.filter((r) => r !== rule);
    }
    const fault = rule?.fault;
    this.requests.push({ operation, body, fault: fault?.kind });
    const forward = () => this.#inner.handle(request, options);
    const signal = options?.abortSignal as AbortSignal | undefined;
    switch (fault?.kind) {
      case undefined:
        return forward();
      case 'throttle':
        return respond(400, {
          __type: `com.amazonaws.dynamodb.v20120810#${fault.type ?? 'ProvisionedThroughputExceededException'}`,
          message: 'The level of configured provisioned throughput for the table was exceeded (injected)',
        });
      case 'server-error':
        return fault.status === 503
          ? respond(503, { __type: 'com.amazonaws.dynamodb.v20120810#ServiceUnavailable', message: 'injected' })
          : respond(500, { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'injected' });
      case 'reset':
        if (fault.applied) await drain(forward());
        throw networkError('socket hang up (injected)', 'ECONNRESET');
      case 'timeout':
        if (fault.applied) await drain(forward());
        await wait(fault.ms, signal);
        throw timeoutError();
      case 'delay':
        await wait(fault.ms, signal);
        return forward();
    }
  }
}

/** Lets the server answer, and throws the answer away (reading it so the socket is reused). */
async function drain(pending: Promise<{ response: HttpResponse }>): Promise<void> {
  const { response } = await pending;
  const body = response.body as Readable | undefined;
  if (body !== undefined && typeof body.resume === 'function') {
    for await (const _ of body) {
      // discard
    }
  }
}

/** The request body as text: a string, bytes, or the SDK's JSON adapter object (which stringifies). */
function bodyText(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  // TextDecoder reads the bytes; Buffer.from() would trip the SDK's adapter into a warning.
  if (raw instanceof Uint8Array) return new TextDecoder().decode(raw);
  if (raw !== null && typeof raw === 'object' && !(raw instanceof Readable)) return String(raw);
  return '{}';
}
