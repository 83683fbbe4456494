// Run by scripts/check-package.mjs before @opentelemetry/api is installed (an optional peer, which
// npm does not install): the main entries work without it, and only dynamo-dlm/opentelemetry needs it.
import { createRequire } from 'node:module';
import * as dlm from 'dynamo-dlm';
import { startLocalDynamo } from 'dynamo-dlm/testing';

const require = createRequire(import.meta.url);
let present = true;
try {
  require.resolve('@opentelemetry/api');
} catch {
  present = false;
}
if (present) throw new Error('@opentelemetry/api is installed: this check needs it absent');

const local = await startLocalDynamo();
try {
  const lock = new dlm.DynamoDbLock('without-otel', { client: local.client, logger: false });
  if ((await lock.acquire()) !== true) throw new Error('acquire failed');
  await lock.release();
} finally {
  await local.stop();
}

let missing;
try {
  await import('dynamo-dlm/opentelemetry');
} catch (error) {
  missing = String(error?.message ?? error);
}
if (!missing?.includes('@opentelemetry/api')) {
  throw new Error(`dynamo-dlm/opentelemetry should fail naming @opentelemetry/api, got: ${missing}`);
}
console.log(JSON.stringify({ ok: true, missing: missing.split('\n')[0] }));
