/**
 * dynamo-dlm/opentelemetry: OpenTelemetry metrics and traces for every lock and election in the
 * process, from one call. The only module of the package that imports `@opentelemetry/api` (an
 * optional peer dependency): the main entry never loads it.
 *
 * @packageDocumentation
 */

export { instrumentLocks, type LockInstrumentation } from './opentelemetry/instrument.js';
export type { InstrumentLocksOptions } from './opentelemetry/options.js';
