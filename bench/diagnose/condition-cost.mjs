// What dynalite's expression parser charges for the acquire condition: the same UpdateItem sent
// with each candidate ConditionExpression, interleaved, median wall ms per request, both for a
// write that takes a free item and for a try refused by a held one (most tries under contention).
//   npm run build && node bench/diagnose/condition-cost.mjs
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { itemKey } from '../../dist/item/attributes.js';
import { acquireRequest } from '../../dist/item/requests.js';
import { freshTable, makeClient, startServer } from '../lib/server.mjs';
import { quantile, round } from '../lib/stats.mjs';

const lease = 'attribute_not_exists(#rid) OR (#code = :code AND #expms > :zero AND #expms <= :expms)';
const expiry = (queue) =>
  [
    `(NOT #code = :code AND #expms <= :cutoffMs${queue})`,
    `(NOT #code = :code AND attribute_not_exists(#expms) AND #exp <= :cutoffS${queue})`,
  ].join(' OR ');
const CANDIDATES = {
  current: undefined,
  // The queue's admission as two alternatives, each ANDed into each expiry test (main until 409df8c).
  twoAlternatives: `${lease} OR ${expiry(' AND NOT #headOf > #serving')} OR ${expiry(' AND NOT #headUntil > :now')}`,
  // No queue at all: the condition of the build before the queue (161b8b4).
  noQueue: `${lease} OR ${expiry('')}`,
  nested:
    'attribute_not_exists(#rid) OR (#code = :code AND #expms > :zero AND #expms <= :expms) OR (NOT (#code = :code) AND (#expms <= :cutoffMs OR (attribute_not_exists(#expms) AND #exp <= :cutoffS)))',
};
const server = await startServer();
const client = makeClient(server.endpoint);
const tableName = await freshTable(client, 'cond');
const request = (name, id, code) => {
  const input = acquireRequest({
    tableName,
    key: itemKey('single', id, 0),
    code,
    now: Date.now(),
    durationMs: 10_000,
    skewMs: 1_000,
    retentionS: 86_400,
    owner: 'bench',
  });
  const condition = CANDIDATES[name];
  if (condition === undefined) return input;
  input.ConditionExpression = condition;
  input.ExpressionAttributeNames = { ...input.ExpressionAttributeNames, '#headOf': 'head_of', '#serving': 'serving' };
  // Drop names and values the candidate does not use: DynamoDB rejects unused ones.
  const used = (k) => condition.includes(k) || input.UpdateExpression.includes(k);
  for (const k of Object.keys(input.ExpressionAttributeValues)) if (!used(k)) delete input.ExpressionAttributeValues[k];
  for (const k of Object.keys(input.ExpressionAttributeNames)) if (!used(k)) delete input.ExpressionAttributeNames[k];
  return input;
};
const send = async (input) => {
  const t0 = performance.now();
  try {
    await client.send(new UpdateItemCommand(input));
  } catch (error) {
    if (error.name !== 'ConditionalCheckFailedException') throw error;
  }
  return performance.now() - t0;
};
const ms = Object.fromEntries(Object.keys(CANDIDATES).map((k) => [k, { taken: [], refused: [] }]));
for (const name of Object.keys(CANDIDATES)) await send(request(name, `held-${name}`, 'holder'));
for (let r = 0; r < 10; r++) {
  for (const name of Object.keys(CANDIDATES)) {
    for (let i = 0; i < 30; i++) {
      ms[name].taken.push(await send(request(name, `cond-${name}-${r}-${i}`, `code${i}`)));
      ms[name].refused.push(await send(request(name, `held-${name}`, `other${i}`)));
    }
  }
}
for (const [name, v] of Object.entries(ms)) {
  console.log(
    name.padEnd(16),
    'median ms: taken',
    round(quantile(v.taken, 0.5), 3),
    ' refused',
    round(quantile(v.refused, 0.5), 3),
  );
}
client.destroy();
await server.stop();
