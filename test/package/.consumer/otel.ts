// Type-checked by scripts/check-package.mjs (moduleResolution node16 and bundler) once
// @opentelemetry/api is installed, against the installed tarball's declarations.
import { metrics, trace } from '@opentelemetry/api';
import { DynamoDbLock, LeaderElection } from 'dynamo-dlm';
import { type InstrumentLocksOptions, instrumentLocks, type LockInstrumentation } from 'dynamo-dlm/opentelemetry';

const options: InstrumentLocksOptions = {
  meterProvider: metrics.getMeterProvider(),
  tracerProvider: trace.getTracerProvider(),
  resourceIdInMetrics: false,
};
export const all: LockInstrumentation = instrumentLocks(options);
export const one: LockInstrumentation = instrumentLocks({ lock: new DynamoDbLock('r') });
export const election: LockInstrumentation = instrumentLocks({ lock: new LeaderElection('e') });
// @ts-expect-error only a lock or an election can be followed
instrumentLocks({ lock: 'r' });
// @ts-expect-error a mistyped option is a type error
instrumentLocks({ resourceIds: true });
export function done(): void {
  using scoped = instrumentLocks();
  all.stop();
  void scoped;
}
