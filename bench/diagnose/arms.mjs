// The three uncontended arms of scenario 1, for the diagnostics.
import { randomBytes } from 'node:crypto';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbLock } from '../../dist/index.js';
import { itemKey } from '../../dist/item/attributes.js';
import { acquireRequest, releaseRequest } from '../../dist/item/requests.js';
import { rawPair } from '../lib/raw.mjs';

export function cycleArms(client, tableName) {
  const lock = new DynamoDbLock('cycle-lib', { client, tableName, logger: false });
  const ctx = {
    tableName,
    key: itemKey('single', 'cycle-shape', 0),
    durationMs: 10_000,
    skewMs: 1_000,
    retentionS: 86_400,
  };
  return {
    library: async () => {
      await lock.acquire();
      await lock.release();
    },
    raw: () => rawPair(client, tableName, 'cycle-raw'),
    byHand: async () => {
      const code = randomBytes(16).toString('hex');
      await client.send(new UpdateItemCommand(acquireRequest({ ...ctx, code, now: Date.now() })));
      await client.send(new UpdateItemCommand(releaseRequest({ ...ctx, code, now: Date.now() })));
    },
  };
}
