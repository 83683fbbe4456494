// Whether an acquire aborted with its write in flight can leave the lock held by nobody: aborts
// acquires of a free lock at random moments during their write, then reads the item. A lease left
// behind holds the lock until it ends (the `duration`), while every waiter waits. The clear that
// follows an abort (or a timeout that cuts a write off) can reach the server before the cut-off
// write does, on a server that does not answer in order (DynamoDB Local; DynamoDB too, over
// separate connections).
//   node bench/diagnose/aborted-acquire.mjs [dynalite|ddblocal] [tries=300]
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createLockTable } from '../../dist/index.js';
import { startDynalite, startDynamoDbLocal } from '../lib/backends.mjs';
import { buildBaseline } from '../lib/baseline.mjs';
import { makeClient } from '../lib/server.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const [backend = 'ddblocal', tries = '300'] = process.argv.slice(2);
const server = await (backend === 'ddblocal' ? startDynamoDbLocal : startDynalite)();
const client = makeClient(server.endpoint);
try {
  const libs = { baseline: buildBaseline().index, current: new URL('../../dist/index.js', import.meta.url).href };
  for (const [build, url] of Object.entries(libs)) {
    const { DynamoDbLock } = await import(url);
    const tableName = `aborted_${build}_${Date.now()}`;
    await createLockTable({ client, tableName });
    let aborted = 0;
    let left = 0;
    for (let i = 0; i < Number(tries); i++) {
      const resourceId = `r${i}`;
      const lock = new DynamoDbLock(resourceId, { client, tableName, logger: false, duration: 5 });
      // A round trip here is a few ms: abort somewhere in the first 8 ms.
      const signal = AbortSignal.timeout(Math.floor(Math.random() * 8));
      try {
        if (await lock.acquire({ signal })) await lock.release();
        continue;
      } catch (error) {
        if (error?.name !== 'AbortedError') throw error;
      }
      aborted++;
      // Give a write still on its way time to land, then look.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const { Item } = await client.send(
        new GetItemCommand({ TableName: tableName, Key: { resource_id: { S: resourceId } }, ConsistentRead: true }),
      );
      const until = Number(Item?.expires_ms?.N ?? 0);
      if (until > Date.now()) left++;
    }
    console.log(`${server.name} ${build}: ${aborted} acquires aborted, ${left} left the lock held by nobody`);
  }
} finally {
  client.destroy();
  await server.stop();
}
