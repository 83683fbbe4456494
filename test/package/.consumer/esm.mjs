// Run by scripts/check-package.mjs inside a throwaway project that installed the packed tarball.
// ESM consumer: named imports from both entry points, then a real lock cycle on dynalite.
import * as dlm from 'dynamo-dlm';
import { startLocalDynamo } from 'dynamo-dlm/testing';

const expected = [
  'DynamoDbLock',
  'withLock',
  'createLockTable',
  'defaults',
  'resetDefaults',
  'DEFAULT_DURATION',
  'DEFAULT_TABLE_NAME',
  'DynamoDlmError',
  'InvalidArgumentError',
  'LockNotAcquiredError',
  'AlreadyAcquiredError',
  'LockLostError',
  'LockUnavailableError',
  'AbortedError',
  'ThrottledError',
  'TableNotFoundError',
  'DynamoDbError',
];
const missing = expected.filter((name) => !(name in dlm));
if (missing.length > 0) throw new Error(`missing exports: ${missing.join(', ')}`);
if ('default' in dlm) throw new Error('the package must have no default export');

const local = await startLocalDynamo();
try {
  const options = { client: local.client, duration: 5, logger: false };
  const a = new dlm.DynamoDbLock('package-check', options);
  const b = new dlm.DynamoDbLock('package-check', options);
  if ((await a.acquire()) !== true) throw new Error('first acquire failed');
  if ((await b.acquire({ blocking: false })) !== false) throw new Error('second holder admitted');
  const first = a.fencingToken;
  await a.release();
  const second = await dlm.withLock('package-check', async (lock) => lock.fencingToken, options);
  if (!(second > first)) throw new Error(`token did not increase: ${first} then ${second}`);
  console.log(JSON.stringify({ ok: true, exports: Object.keys(dlm).length, tokens: [first, second] }));
} finally {
  await local.stop();
}
