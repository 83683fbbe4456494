// Run by scripts/check-package.mjs after installing @opentelemetry/api: dynamo-dlm/opentelemetry
// from CommonJS (Node 20.19+ require(esm)), instrumenting one lock of the same package.
const { instrumentLocks } = require('dynamo-dlm/opentelemetry');
const { DynamoDbLock, InvalidArgumentError } = require('dynamo-dlm');

if (typeof instrumentLocks !== 'function') throw new Error('require() did not return instrumentLocks');
const lock = new DynamoDbLock('otel-cjs');
// With no SDK registered, the API's no-op providers: it subscribes and stops without a request.
const instrumentation = instrumentLocks({ lock });
instrumentation.stop();
let refused = false;
try {
  instrumentLocks({ lock: 'otel-cjs' });
} catch (error) {
  refused = error instanceof InvalidArgumentError;
}
if (!refused) throw new Error("a bad option was not refused with the package's InvalidArgumentError");
console.log(JSON.stringify({ ok: true }));
