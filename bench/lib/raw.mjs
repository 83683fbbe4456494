// The floor: what the lock's work costs when written by hand with the raw SDK, the way Python
// dynamo-dlm 1.x does it (conditional PutItem to take, conditional DeleteItem to give back).
import { randomBytes } from 'node:crypto';
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';

/** One raw acquire + release pair on `resourceId`; throws if the resource was held. */
export async function rawPair(client, tableName, resourceId) {
  const code = randomBytes(16).toString('hex');
  const now = Date.now();
  await client.send(
    new PutItemCommand({
      TableName: tableName,
      Item: {
        resource_id: { S: resourceId },
        release_code: { S: code },
        expires: { N: String(Math.ceil((now + 10_000) / 1000)) },
      },
      ConditionExpression: 'attribute_not_exists(resource_id) OR expires <= :now',
      ExpressionAttributeValues: { ':now': { N: String(Math.floor(now / 1000)) } },
    }),
  );
  await client.send(
    new DeleteItemCommand({
      TableName: tableName,
      Key: { resource_id: { S: resourceId } },
      ConditionExpression: 'release_code = :code',
      ExpressionAttributeValues: { ':code': { S: code } },
    }),
  );
}
