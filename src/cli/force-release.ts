import { randomBytes } from 'node:crypto';
import type { UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { ATTR } from '../item.js';
import { FORCED_CODE_PREFIX } from './lock-view.js';

/** Inputs of a forced release. */
export interface ForceReleaseRequest {
  readonly tableName: string;
  readonly resourceId: string;
  /** Epoch ms. */
  readonly now: number;
  /** Seconds the released marker is kept before TTL may delete it. */
  readonly retentionS: number;
  /** Owner code to write; a fresh `forced-…` code by default. */
  readonly code?: string;
}

/** A fresh owner code that marks a forced release: no holder has it, so none can renew. */
export function forcedCode(): string {
  return `${FORCED_CODE_PREFIX}${randomBytes(12).toString('hex')}`;
}

/**
 * Turns a lock item, whoever holds it, into a released marker. Pure.
 *
 * - Conditional on the item existing, so it never creates one (and reports "nothing to release").
 * - Keeps `fencing_token`, so the next acquire still gets a greater token.
 * - `expires` = `expires_ms` = 0 is the marker shape: free for this library and Python 1.x.
 * - Replaces the owner code, so the old holder's next renewal *and* release fail their
 *   conditions: it learns that it lost the lock instead of "releasing" it without noticing.
 */
export function forceReleaseRequest(r: ForceReleaseRequest): UpdateItemCommandInput {
  return {
    TableName: r.tableName,
    Key: { [ATTR.resourceId]: { S: r.resourceId } },
    UpdateExpression: 'SET #exp = :zero, #expms = :zero, #code = :code, #ttl = :ttl',
    ConditionExpression: 'attribute_exists(#rid)',
    ExpressionAttributeNames: {
      '#rid': ATTR.resourceId,
      '#exp': ATTR.expires,
      '#expms': ATTR.expiresMs,
      '#code': ATTR.releaseCode,
      '#ttl': ATTR.ttl,
    },
    ExpressionAttributeValues: {
      ':zero': { N: '0' },
      ':code': { S: r.code ?? forcedCode() },
      ':ttl': { N: String(Math.ceil(r.now / 1000) + r.retentionS) },
    },
    ReturnValues: 'ALL_OLD',
  };
}
