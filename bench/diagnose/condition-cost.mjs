// What dynalite's expression parser charges for the acquire condition: the same UpdateItem sent
// with each candidate ConditionExpression, interleaved, median wall ms per request.
//   npm run build && node bench/diagnose/condition-cost.mjs
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { itemKey } from '../../dist/item/attributes.js';
import { acquireRequest } from '../../dist/item/requests.js';
import { freshTable, makeClient, startServer } from '../lib/server.mjs';
import { quantile, round } from '../lib/stats.mjs';

const CANDIDATES = {
  current: undefined,
  flat4:
    'attribute_not_exists(#rid) OR #code = :code OR #expms <= :cutoffMs OR (attribute_not_exists(#expms) AND #exp <= :cutoffS)',
  distributed:
    'attribute_not_exists(#rid) OR (#code = :code AND #expms > :zero AND #expms <= :expms) OR (NOT #code = :code AND #expms <= :cutoffMs) OR (NOT #code = :code AND attribute_not_exists(#expms) AND #exp <= :cutoffS)',
  oneTest: 'attribute_not_exists(#rid)',
  notParen:
    'attribute_not_exists(#rid) OR (#code = :code AND #expms > :zero AND #expms <= :expms) OR (NOT (#code = :code) AND (#expms <= :cutoffMs OR (attribute_not_exists(#expms) AND #exp <= :cutoffS)))',
};
const server = await startServer();
const client = makeClient(server.endpoint);
const tableName = await freshTable(client, 'cond');
const ms = Object.fromEntries(Object.keys(CANDIDATES).map((k) => [k, []]));
for (let round_ = 0; round_ < 8; round_++) {
  for (const [name, condition] of Object.entries(CANDIDATES)) {
    for (let i = 0; i < 25; i++) {
      const input = acquireRequest({
        tableName,
        key: itemKey('single', `cond-${name}-${round_}-${i}`, 0),
        code: `code${i}`,
        now: Date.now(),
        durationMs: 10_000,
        skewMs: 1_000,
        retentionS: 86_400,
        owner: 'bench',
      });
      if (condition !== undefined) {
        input.ConditionExpression = condition;
        // Drop values the candidate does not use: DynamoDB rejects unused ones.
        for (const k of Object.keys(input.ExpressionAttributeValues)) {
          if (!condition.includes(k) && !input.UpdateExpression.includes(k)) delete input.ExpressionAttributeValues[k];
        }
        for (const k of Object.keys(input.ExpressionAttributeNames)) {
          if (!condition.includes(k) && !input.UpdateExpression.includes(k)) delete input.ExpressionAttributeNames[k];
        }
      }
      const t0 = performance.now();
      await client.send(new UpdateItemCommand(input));
      ms[name].push(performance.now() - t0);
    }
  }
}
for (const [name, v] of Object.entries(ms)) console.log(name.padEnd(12), 'median ms', round(quantile(v, 0.5), 3));
client.destroy();
await server.stop();
