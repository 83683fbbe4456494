import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ATTR } from '../item.js';
import { type LockView, viewLock } from './lock-view.js';

/** Reads one lock item (a strongly consistent GetItem) as a {@link LockView}. */
export async function readLock(client: DynamoDBClient, tableName: string, resourceId: string): Promise<LockView> {
  const out = await client.send(
    new GetItemCommand({ TableName: tableName, Key: { [ATTR.resourceId]: { S: resourceId } }, ConsistentRead: true }),
  );
  return viewLock(resourceId, out.Item, Date.now());
}
