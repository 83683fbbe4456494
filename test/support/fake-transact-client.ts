import type {
  AttributeValue,
  BatchGetItemCommandInput,
  DynamoDBClient,
  TransactWriteItemsCommandInput,
  UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';

/** The operations the lock sends in a transaction's neighbourhood. */
export type Operation = 'TransactWriteItems' | 'BatchGetItem' | 'UpdateItem';

/** A reply: an output, an error to reject with, or 'hang' (settled only by the request's abort). */
export type TxReply = Record<string, unknown> | Error | 'hang';

/** A request the fake received. */
export interface TxCall {
  readonly op: Operation;
  readonly input: TransactWriteItemsCommandInput & BatchGetItemCommandInput & UpdateItemCommandInput;
  /** The clock's monotonic time when it was sent. */
  readonly at: number;
}

const meta = { $metadata: { httpStatusCode: 400 }, message: 'fake' };

/** A `TransactionCanceledException` with one reason per item: a code, or a code and the item. */
export function cancelled(...reasons: (string | { code: string; item: Record<string, AttributeValue> })[]): Error {
  return Object.assign(new Error('Transaction cancelled'), {
    ...meta,
    name: 'TransactionCanceledException',
    CancellationReasons: reasons.map((r) => (typeof r === 'string' ? { Code: r } : { Code: r.code, Item: r.item })),
  });
}

export const connectionReset = (): Error => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

/**
 * A stand-in for `DynamoDBClient` (only `send`) that answers the multi-lock's and the
 * lock-checked write's requests: replies are scripted per operation, in order. With no script
 * left, a transaction and an UpdateItem succeed (`{}`), and a BatchGetItem returns every key it
 * was asked for, carrying the owner code of the last transaction sent and a token of 100 plus
 * its position.
 */
export class FakeTransactClient {
  readonly calls: TxCall[] = [];
  readonly #scripts: Record<Operation, (TxReply | ((fake: FakeTransactClient, input: TxCall['input']) => TxReply))[]> =
    {
      TransactWriteItems: [],
      BatchGetItem: [],
      UpdateItem: [],
    };

  /** Answers UpdateItem requests the script leaves to it (a renewal or release of one item, say). */
  updates: (input: TxCall['input']) => TxReply = () => ({});

  constructor(private readonly monotonic: () => number) {}

  /** Queues replies for the next requests of `op`; a function is asked when its request comes. */
  script(
    op: Operation,
    ...replies: (TxReply | ((fake: FakeTransactClient, input: TxCall['input']) => TxReply))[]
  ): this {
    this.#scripts[op].push(...replies);
    return this;
  }

  of(op: Operation): TxCall[] {
    return this.calls.filter((c) => c.op === op);
  }

  get asClient(): DynamoDBClient {
    return this as unknown as DynamoDBClient;
  }

  send(command: { input: TxCall['input']; constructor: { name: string } }, options?: { abortSignal?: AbortSignal }) {
    const op = command.constructor.name.replace(/Command$/, '') as Operation;
    const input = command.input;
    const scripted = this.#scripts[op].shift();
    const reply = typeof scripted === 'function' ? scripted(this, input) : (scripted ?? this.#default(op, input));
    this.calls.push({ op, input, at: this.monotonic() });
    return new Promise((resolve, reject) => {
      const signal = options?.abortSignal;
      const onAbort = () => reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' }));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      if (reply === 'hang') return;
      queueMicrotask(() => {
        signal?.removeEventListener('abort', onAbort);
        if (reply instanceof Error) reject(reply);
        else resolve({ $metadata: { httpStatusCode: 200 }, ...reply });
      });
    });
  }

  #default(op: Operation, input: TxCall['input']): TxReply {
    if (op === 'UpdateItem') return this.updates(input);
    if (op !== 'BatchGetItem') return {};
    const code = this.lastCode();
    const [table, request] = Object.entries(input.RequestItems ?? {})[0] ?? [];
    const items = (request?.Keys ?? []).map((key, i) => ({
      ...key,
      release_code: { S: code ?? 'none' },
      fencing_token: { N: String(100 + i) },
    }));
    return { Responses: { [table as string]: items } };
  }

  /** The owner code the last transaction sent before this request wrote (its first Update's `:code`). */
  lastCode(): string | undefined {
    const tx = this.of('TransactWriteItems').at(-1);
    return tx?.input.TransactItems?.[0]?.Update?.ExpressionAttributeValues?.[':code']?.S;
  }
}
