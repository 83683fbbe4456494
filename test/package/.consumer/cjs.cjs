// Run by scripts/check-package.mjs inside a throwaway project that installed the packed tarball.
// CommonJS consumer: require() of the ESM-only package (Node 20.19+ require(esm)).
const dlm = require('dynamo-dlm');
const { startLocalDynamo } = require('dynamo-dlm/testing');
const { sep } = require('node:path');

if (typeof dlm.DynamoDbLock !== 'function' || typeof dlm.withLock !== 'function') {
  throw new Error('require() did not return the named exports');
}
if (typeof startLocalDynamo !== 'function') throw new Error('dynamo-dlm/testing has no startLocalDynamo');

// Neither entry may load dynalite at import: it is an optional peer, loaded only when a local
// server is started.
const loaded = Object.keys(require.cache).filter((file) => file.includes(`${sep}dynalite${sep}`));
if (loaded.length > 0) throw new Error(`importing the package loaded dynalite: ${loaded[0]}`);

// Bad input is refused with a typed error before any network call (no client, no region needed).
let code;
try {
  new dlm.DynamoDbLock('');
} catch (error) {
  if (!(error instanceof dlm.DynamoDlmError)) throw error;
  code = error.code;
}
if (code !== 'INVALID_ARGUMENT') throw new Error(`expected INVALID_ARGUMENT, got ${code}`);
console.log(JSON.stringify({ ok: true, exports: Object.keys(dlm).length }));
