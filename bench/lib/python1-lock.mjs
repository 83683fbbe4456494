// Python dynamo-dlm 1.x on the wire, for workloads that mix it with this library: acquire is a
// whole-item conditional PutItem with `expires` in whole seconds from a truncated now, release a
// DeleteItem conditioned on the owner's code; it never reads. Only the pacing of its retries is
// ours (see PYTHON1_RETRY).
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';

/** Python 1.x's default lease, seconds. */
export const PYTHON1_DURATION_S = 10;

/**
 * Python 1.x retried a refused PutItem at once, in a loop with no delay. Here a retry waits a
 * uniform random time below min(200 ms, 50 ms * 2^(n-1)), the backoff every waiter of the
 * baseline build (161b8b4) used: a hot loop on a 2-core machine would measure how fast the
 * loop can burn the server's CPU, not the waiting policy of the processes around it, and would
 * make the writes of every row that has it its own. With the baseline's pacing the Python
 * worker competes for the lock on the terms plain polling set, and still takes its turns, which
 * is what the rows need: Python holders in the mix.
 */
export const PYTHON1_RETRY = { baseMs: 50, capMs: 200 };

/** Python 1.x's acquire request: the whole item, taken if absent or expired by whole seconds. */
export function python1AcquireInput(tableName, resourceId, releaseCode, durationS, nowMs) {
  const now = Math.floor(nowMs / 1000);
  return {
    TableName: tableName,
    Item: {
      resource_id: { S: resourceId },
      release_code: { S: releaseCode },
      expires: { N: String(now + durationS) },
    },
    ConditionExpression: 'attribute_not_exists(resource_id) OR expires <= :now',
    ExpressionAttributeValues: { ':now': { N: String(now) } },
  };
}

/** Python 1.x's release request: delete the item if it is still ours. */
export function python1ReleaseInput(tableName, resourceId, releaseCode) {
  return {
    TableName: tableName,
    Key: { resource_id: { S: resourceId } },
    ConditionExpression: 'release_code = :code',
    ExpressionAttributeValues: { ':code': { S: releaseCode } },
  };
}

/** A new owner code, as Python makes one: 32 hex characters. */
export const python1Code = () => randomBytes(16).toString('hex');

/**
 * A lock speaking Python 1.x's wire format, with the part of DynamoDbLock's interface the
 * workloads use: `acquire({ blocking, timeout, signal })` resolving true or false, `release()`,
 * and the `acquired`, `released` and `contended` hooks.
 */
export class Python1Lock {
  #code;

  constructor(resourceId, { client, tableName, duration = PYTHON1_DURATION_S, hooks = {}, random = Math.random }) {
    Object.assign(this, { resourceId, client, tableName, duration, hooks, random });
  }

  async acquire({ blocking = true, timeout, signal } = {}) {
    const started = performance.now();
    const deadline = timeout === undefined ? Number.POSITIVE_INFINITY : started + timeout * 1000;
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      const code = python1Code();
      try {
        await this.client.send(
          new PutItemCommand(python1AcquireInput(this.tableName, this.resourceId, code, this.duration, Date.now())),
        );
        this.#code = code;
        this.hooks.acquired?.({ resourceId: this.resourceId, waitMs: performance.now() - started, attempts: attempt });
        return true;
      } catch (error) {
        if (error?.name !== 'ConditionalCheckFailedException') throw error;
      }
      const ceiling = Math.min(PYTHON1_RETRY.capMs, PYTHON1_RETRY.baseMs * 2 ** Math.min(attempt - 1, 30));
      const delayMs = Math.min(this.random() * ceiling, deadline - performance.now());
      if (!blocking || delayMs <= 0) return false;
      this.hooks.contended?.({ resourceId: this.resourceId, attempt, delayMs });
      await sleep(delayMs, undefined, { signal });
    }
  }

  async release() {
    const code = this.#code;
    if (code === undefined) return;
    this.#code = undefined;
    try {
      await this.client.send(new DeleteItemCommand(python1ReleaseInput(this.tableName, this.resourceId, code)));
    } catch (error) {
      // Python 1.x logs a lost lease at release as a warning and does not raise.
      if (error?.name !== 'ConditionalCheckFailedException') throw error;
    }
    this.hooks.released?.({ resourceId: this.resourceId });
  }
}
