import {
  type DynamoDBClient,
  UpdateItemCommand,
  type UpdateItemCommandInput,
  type UpdateItemCommandOutput,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDlmError } from '../errors.js';
import { type EventOrigin, emit, type LockHooks } from '../events.js';
import { type ItemKey, itemKey } from '../item/attributes.js';
import type { AcquireRequest } from '../item/requests.js';
import type { DynamoDbLock } from '../lock.js';
import type { ResolvedLockOptions } from '../options/lock-options.js';
import { backoffDelay, THROTTLE_BACKOFF } from './backoff.js';
import { defaultClient } from './client.js';
import type { Clock } from './clock.js';
import { endpointLabel } from './endpoint.js';
import { LockMemory } from './lock-memory.js';
import { type Logger, shieldLogger } from './logger.js';
import { errorText, wrapSdkError } from './sdk-errors.js';

/** The operations whose failures are retried and reported. */
export type Operation = 'acquire' | 'extend' | 'release';

/**
 * What the acquire loop and the lease engine of one lock share: its resolved options, its clock,
 * its memory of the item, and the few things both do with them (send a write, back off after a failure, wrap an SDK
 * error, call into user code). Internal to `DynamoDbLock`.
 */
export interface LockContext {
  readonly resourceId: string;
  readonly o: ResolvedLockOptions;
  readonly clock: Clock;
  /** The key of the lock item of `slot` (a `'single'` table has one item: slot 0). */
  key(slot: number): ItemKey;
  /** The inputs of a plain acquire of `slot` under owner `code` at wall time `now`. */
  acquireInput(slot: number, code: string, now: number): AcquireRequest;
  /** The slot as callers see it (`lock.slot`, events): the number on a `'slots'` table, else undefined. */
  slotOf(slot: number): number | undefined;
  /** The user's logger, shielded: a logger that throws or rejects never breaks the lock. */
  readonly log: Logger;
  /** The client requests go through: the caller's, or the shared default built on first send. */
  client(): DynamoDBClient;
  /** Sends one conditional write. */
  send(input: UpdateItemCommandInput, signal?: AbortSignal): Promise<UpdateItemCommandOutput>;
  /** Logs and reports a throttled or transient failure; returns how long to back off, ms. */
  backoffAfterFailure(
    error: unknown,
    kind: 'throttled' | 'transient',
    op: Operation,
    attempt: number,
    slot: number,
  ): number;
  /** The typed error a caller sees for an SDK error the lock does not handle itself. */
  wrap(error: unknown, op: Operation): DynamoDlmError;
  /**
   * What the lock remembers across acquisitions (the data it writes, what its latest release saw):
   * the context's one mutable part, written only through its named methods.
   */
  readonly memory: LockMemory;
  /** Calls one hook, shielded, and publishes the event on its diagnostics channel (see `events.ts`). */
  emit<K extends keyof LockHooks>(name: K, event: Parameters<NonNullable<LockHooks[K]>>[0]): void;
}

/** Builds the context of `lock`, whose events name it as their origin. */
export function createContext(
  resourceId: string,
  o: ResolvedLockOptions,
  clock: Clock,
  lock: DynamoDbLock,
): LockContext {
  const log = shieldLogger(o.logger);
  const origin: EventOrigin = { lock, tableName: o.tableName };
  const client = (): DynamoDBClient => o.client ?? defaultClient();
  const ctx: LockContext = {
    resourceId,
    o,
    clock,
    key: (slot) => itemKey(o.tableLayout, resourceId, slot),
    acquireInput: (slot, code, now) => ({
      tableName: o.tableName,
      key: ctx.key(slot),
      code,
      now,
      durationMs: o.durationMs,
      skewMs: o.skewMs,
      retentionS: o.retentionS,
      owner: o.owner,
      data: ctx.memory.data,
    }),
    slotOf: (slot) => (o.tableLayout === 'slots' ? slot : undefined),
    log,
    client,
    send: (input, signal) =>
      client().send(new UpdateItemCommand(input), signal === undefined ? undefined : { abortSignal: signal }),
    backoffAfterFailure(error, kind, op, attempt, slot) {
      const delay = backoffDelay(THROTTLE_BACKOFF, attempt, clock.random);
      const what = kind === 'throttled' ? 'DynamoDB throttled' : 'a transient DynamoDB failure interrupted';
      // The error and the endpoint: an operator must be able to tell a busy DynamoDB from a wrong address.
      const endpoint = endpointLabel(client());
      const where = endpoint === undefined ? '' : `, endpoint ${endpoint}`;
      log.warn(
        `${what} ${op} of '${resourceId}' (attempt ${attempt}: ${errorText(error)}${where}); backing off ${Math.round(delay)} ms`,
      );
      ctx.emit('throttled', { resourceId, slot: ctx.slotOf(slot), operation: op, attempt, delayMs: delay, error });
      return delay;
    },
    wrap: (error, op) => wrapSdkError(error, resourceId, o.tableName, op, o.tableLayout, endpointLabel(client())),
    memory: new LockMemory(o.data),
    emit: (name, event) => emit(o.hooks, name, event, log, origin),
  };
  return ctx;
}
