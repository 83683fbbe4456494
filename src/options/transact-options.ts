import { InvalidArgumentError } from '../errors.js';
import type { DocumentConditionCheck } from '../item/transact-requests.js';
import { checkFunction, checkKeys, checkObject, checkSignal } from './validate.js';

/** Options of `conditionCheck()` and `conditionChecks()`. */
export interface ConditionCheckOptions {
  /**
   * `'raw'`: attribute values (`{ S: 'x' }`), for `TransactWriteItemsCommand` on a
   * `DynamoDBClient`. `'document'`: plain values, for `@aws-sdk/lib-dynamodb`'s
   * `TransactWriteCommand`.
   * @default 'raw'
   */
  readonly form?: 'raw' | 'document';
}

/** Options of a lock-checked write (`transactWrite`) sent through the lock's own client. */
export interface TransactWriteOptions {
  /**
   * Abort the write and its retries: it rejects with an `AbortedError`. An abort while a request
   * is in flight leaves its outcome unknown, as for any aborted write.
   */
  readonly signal?: AbortSignal;
}

/** What a document-form lock-checked write hands to `send`: the input of a `TransactWriteCommand`. */
export interface DocumentTransactWriteInput<I> {
  /** The caller's items, then the lock's checks (in the document client's form). */
  readonly TransactItems: (I | DocumentConditionCheck)[];
  /** One token per `transactWrite` call, kept across its retries: a retry never applies twice. */
  readonly ClientRequestToken: string;
}

/** Options of a lock-checked write in the document client's form. */
export interface DocumentTransactWriteOptions<I, T> extends TransactWriteOptions {
  /**
   * Sends the transaction, for example
   * `(input, signal) => documentClient.send(new TransactWriteCommand(input), { abortSignal: signal })`.
   * Called once per attempt with the same input; `signal` aborts an attempt cut off after 5 s.
   */
  readonly send: (input: DocumentTransactWriteInput<I>, signal: AbortSignal) => PromiseLike<T>;
}

/** A lock-checked write's options, validated: the form of its items follows from `send`. */
export interface ResolvedTransactWriteOptions {
  readonly signal: AbortSignal | undefined;
  /** The caller's sender (document form), or undefined to send raw items through the lock's client. */
  readonly send: ((input: unknown, signal: AbortSignal) => PromiseLike<unknown>) | undefined;
  readonly form: 'raw' | 'document';
}

const CHECK_OPTION_KEYS: ReadonlySet<string> = new Set(['form']);
const WRITE_OPTION_KEYS: ReadonlySet<string> = new Set(['signal', 'send']);

/** The form `conditionCheck()` was asked for, validated. */
export function checkForm(options: unknown): 'raw' | 'document' {
  if (options === undefined) return 'raw';
  const o = checkObject(options, 'conditionCheck options');
  checkKeys(o, CHECK_OPTION_KEYS, 'conditionCheck options');
  if (o.form === undefined || o.form === 'raw' || o.form === 'document') return o.form ?? 'raw';
  throw new InvalidArgumentError(`Expected \`form\` to be 'raw' or 'document', got ${JSON.stringify(o.form)}`);
}

/** `transactWrite()`'s options, validated before any request. */
export function resolveTransactWriteOptions(options: unknown): ResolvedTransactWriteOptions {
  const o = options === undefined ? {} : checkObject(options, 'transactWrite options');
  checkKeys(o, WRITE_OPTION_KEYS, 'transactWrite options');
  const signal = o.signal === undefined ? undefined : checkSignal(o.signal);
  if (o.send === undefined) return { signal, send: undefined, form: 'raw' };
  checkFunction(o.send, 'send');
  return { signal, send: o.send as ResolvedTransactWriteOptions['send'], form: 'document' };
}
