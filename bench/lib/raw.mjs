// The floor: what the lock's work costs when written by hand with the raw SDK, the way Python
// dynamo-dlm 1.x does it (conditional PutItem to take, conditional DeleteItem to give back).
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { python1AcquireInput, python1Code, python1ReleaseInput } from './python1-lock.mjs';

/** One raw acquire + release pair on `resourceId`; throws if the resource was held. */
export async function rawPair(client, tableName, resourceId) {
  const code = python1Code();
  await client.send(new PutItemCommand(python1AcquireInput(tableName, resourceId, code, 10, Date.now())));
  await client.send(new DeleteItemCommand(python1ReleaseInput(tableName, resourceId, code)));
}
