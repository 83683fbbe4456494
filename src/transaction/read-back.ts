import { type AttributeValue, BatchGetItemCommand } from '@aws-sdk/client-dynamodb';
import { ATTR, parseHolder } from '../item/attributes.js';
import { tokenRead } from '../item/transact-requests.js';
import { backoffDelay, THROTTLE_BACKOFF } from '../runtime/backoff.js';
import type { LockContext } from '../runtime/context.js';

/**
 * What the read after a multi-lock's transaction found on one item: a transaction returns no
 * values, so the fencing tokens (and the holds' averages) it wrote are read back.
 */
export interface Found {
  readonly fencingToken: number;
  readonly avgHoldMs: number | undefined;
}

/**
 * Reads every item just acquired (strongly consistent): its token and averages, in the order of
 * `ctxs`; `undefined` if one no longer carries `code` (taken already: the answer came too late).
 * Keys DynamoDB left unprocessed are asked for again until the attempt's deadline.
 */
export async function readHeld(
  ctxs: readonly LockContext[],
  code: string,
  signal: AbortSignal | undefined,
): Promise<Found[] | undefined> {
  const first = ctxs[0] as LockContext;
  const { tableName } = first.o;
  const items = new Map<string, Record<string, AttributeValue>>();
  let keys = ctxs.map((ctx) => ctx.key(0));
  for (let round = 1; keys.length > 0; round++) {
    const out = await first
      .client()
      .send(
        new BatchGetItemCommand(tokenRead(tableName, keys)),
        signal === undefined ? undefined : { abortSignal: signal },
      );
    for (const item of out.Responses?.[tableName] ?? []) {
      const id = item[ATTR.resourceId]?.S;
      if (id !== undefined) items.set(id, item);
    }
    keys = out.UnprocessedKeys?.[tableName]?.Keys ?? [];
    if (keys.length > 0) await first.clock.sleep(backoffDelay(THROTTLE_BACKOFF, round, first.clock.random), signal);
  }
  const found: Found[] = [];
  for (const ctx of ctxs) {
    const item = items.get(ctx.resourceId);
    const holder = parseHolder(item);
    if (holder?.releaseCode !== code || holder.fencingToken === undefined) return undefined;
    found.push({
      fencingToken: holder.fencingToken,
      avgHoldMs: num(item?.[ATTR.avgHoldMs]),
    });
  }
  return found;
}

function num(value: AttributeValue | undefined): number | undefined {
  const n = value?.N === undefined ? Number.NaN : Number(value.N);
  return Number.isFinite(n) ? n : undefined;
}
