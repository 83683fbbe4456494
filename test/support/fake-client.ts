import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  ProvisionedThroughputExceededException,
  type UpdateItemCommandInput,
  type UpdateItemCommandOutput,
} from '@aws-sdk/client-dynamodb';

/** Which of the lock's writes a request is: the three of a lease, and a queued waiter's five. */
export type WriteKind = 'acquire' | 'extend' | 'release' | 'ticket' | 'look' | 'beat' | 'skip' | 'pass' | 'leave';

const KINDS: readonly WriteKind[] = ['acquire', 'extend', 'release', 'ticket', 'look', 'beat', 'skip', 'pass', 'leave'];

export function kindOf(input: UpdateItemCommandInput): WriteKind {
  const update = input.UpdateExpression ?? '';
  if (update.includes('#token')) return 'acquire';
  if (update.includes('+ :one') && update.includes('#next')) return 'ticket';
  if (update.includes('if_not_exists(#next')) return 'look';
  if (input.ConditionExpression?.includes(':headBefore')) return 'skip';
  if (input.ConditionExpression?.includes('contains(#done')) return 'pass';
  if (update.includes('#headUntil = :until')) return 'beat';
  if (update.includes('#headUntil = :mark')) return 'leave';
  if (input.ConditionExpression?.includes('> :zero')) return 'extend';
  return 'release';
}

/** What the fake answers: an output, an error to reject with, or 'hang' (the test settles it). */
export type Reply = Partial<UpdateItemCommandOutput> | Error | 'hang';

/** A request the fake received. */
export interface Call {
  readonly kind: WriteKind;
  readonly input: UpdateItemCommandInput;
  /** The clock's monotonic time when it was sent. */
  readonly at: number;
  readonly signal: AbortSignal | undefined;
  settled: boolean;
  resolve(output?: Partial<UpdateItemCommandOutput>): void;
  reject(error: Error): void;
}

const meta = { $metadata: { httpStatusCode: 400 }, message: 'fake' };

export const conditionFailed = (item?: UpdateItemCommandOutput['Attributes']): Error =>
  new ConditionalCheckFailedException({ ...meta, ...(item === undefined ? {} : { Item: item }) });
export const throttled = (): Error => new ProvisionedThroughputExceededException(meta);
export const reset = (): Error => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

/**
 * A stand-in for `DynamoDBClient` (only `send`): replies are scripted per kind of write, in
 * order; with no script left, it answers success (`{}`).
 */
export class FakeClient {
  readonly calls: Call[] = [];
  #scripts = Object.fromEntries(KINDS.map((k) => [k, []])) as unknown as Record<WriteKind, Reply[]>;
  #fallback: Partial<Record<WriteKind, (input: UpdateItemCommandInput) => Reply>> = {};

  constructor(private readonly monotonic: () => number) {}

  /** Queues replies for the next writes of `kind`. */
  script(kind: WriteKind, ...replies: Reply[]): this {
    this.#scripts[kind].push(...replies);
    return this;
  }

  /** The reply for `kind` once its script is used up (given the request, e.g. to answer per slot). */
  otherwise(kind: WriteKind, reply: (input: UpdateItemCommandInput) => Reply): this {
    this.#fallback[kind] = reply;
    return this;
  }

  of(kind: WriteKind): Call[] {
    return this.calls.filter((c) => c.kind === kind);
  }

  get asClient(): DynamoDBClient {
    return this as unknown as DynamoDBClient;
  }

  send(command: { input: UpdateItemCommandInput }, options?: { abortSignal?: AbortSignal }): Promise<unknown> {
    const input = command.input;
    const kind = kindOf(input);
    const reply = this.#scripts[kind].shift() ?? this.#fallback[kind]?.(input) ?? {};
    return new Promise((resolve, reject) => {
      const call: Call = {
        kind,
        input,
        at: this.monotonic(),
        signal: options?.abortSignal,
        settled: false,
        resolve: (output = {}) => {
          if (call.settled) return;
          call.settled = true;
          resolve({ $metadata: {}, ...output });
        },
        reject: (error) => {
          if (call.settled) return;
          call.settled = true;
          reject(error);
        },
      };
      this.calls.push(call);
      options?.abortSignal?.addEventListener(
        'abort',
        () => call.reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' })),
        { once: true },
      );
      if (options?.abortSignal?.aborted) call.reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
      if (reply === 'hang') return;
      if (reply instanceof Error) call.reject(reply);
      else call.resolve(reply);
    });
  }
}
