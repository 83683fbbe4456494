import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ATTR } from '../item.js';
import { type LockView, viewLock } from './lock-view.js';
import { wrapReadError } from './read-errors.js';

/**
 * Reads one lock item (a strongly consistent GetItem) as a {@link LockView}, judged at `now`.
 * SDK errors become the library's typed errors.
 */
export async function readLock(
  client: DynamoDBClient,
  tableName: string,
  resourceId: string,
  now: () => number = Date.now,
): Promise<LockView> {
  const out = await client
    .send(
      new GetItemCommand({ TableName: tableName, Key: { [ATTR.resourceId]: { S: resourceId } }, ConsistentRead: true }),
    )
    .catch((error: unknown) => {
      throw wrapReadError(error, tableName, 'GetItem');
    });
  return viewLock(resourceId, out.Item, now());
}
