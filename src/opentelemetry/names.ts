/**
 * Every name the OpenTelemetry instrumentation writes: its scope, its attribute keys, its span
 * and span-event names. `docs/opentelemetry.md` lists the same; change both together.
 */

/** The instrumentation scope of every meter and tracer (the package's name). */
export const SCOPE = 'dynamo-dlm';

/** Attribute keys. Those marked "metrics" are the only ones metrics carry (all low-cardinality). */
export const ATTR = {
  /** metrics and spans: the lock table. */
  table: 'dynamo_dlm.table',
  /** spans always; metrics only with `resourceIdInMetrics`: the lock's resource id (an election's name). */
  resourceId: 'dynamo_dlm.resource_id',
  /** metrics and spans: how an acquire ended, or how a hold ended (`released`, `lost`). */
  outcome: 'dynamo_dlm.outcome',
  /** metrics and spans: why a lease was lost (`taken`, `expired`, `unreachable`, `forced`). */
  reason: 'dynamo_dlm.reason',
  /** metrics and spans: the acquisition took over a lease its holder had not released. */
  tookOver: 'dynamo_dlm.took_over',
  /** metrics: the throttled operation (`acquire`, `extend`, `release`). */
  operation: 'dynamo_dlm.operation',
  /** metrics: an extend was an automatic renewal (true) or a call to `extend()`/`setData()`. */
  automatic: 'dynamo_dlm.automatic',
  /** metrics and spans (OpenTelemetry's own key): the error's `code`, SDK exception name or `_OTHER`. */
  errorType: 'error.type',
  /** spans: the acquire's `blocking` option. */
  blocking: 'dynamo_dlm.blocking',
  /** spans: the acquire's `timeout`, seconds. */
  timeout: 'dynamo_dlm.timeout',
  /** spans: writes that could take the lock, and writes that failed. */
  attempts: 'dynamo_dlm.attempts',
  /** spans: the acquire's wait, seconds. */
  wait: 'dynamo_dlm.wait',
  /** spans: the acquisition's fencing token. */
  fencingToken: 'dynamo_dlm.fencing_token',
  /** spans: the slot held on a `'slots'` table. */
  slot: 'dynamo_dlm.slot',
  /** spans: with reason `taken`, the owner that took the lease, when the server said. */
  owner: 'dynamo_dlm.owner',
  /** spans: how long the lease was held, seconds. */
  held: 'dynamo_dlm.held',
  /** span events: the attempt number. */
  attempt: 'dynamo_dlm.attempt',
  /** span events: the pause before the next attempt, seconds. */
  delay: 'dynamo_dlm.delay',
} as const;

/** Span and span-event names. */
export const SPAN = {
  /** A span: one `acquire()`, from the call to its outcome. */
  acquire: 'dynamo_dlm.acquire',
  /** A span of no duration: a lease was lost. */
  lost: 'dynamo_dlm.lost',
  /** Events on the acquire span: an attempt refused, an attempt throttled. */
  contended: 'dynamo_dlm.contended',
  throttled: 'dynamo_dlm.throttled',
  /** An event on the span active where `release()` was called. */
  released: 'dynamo_dlm.released',
} as const;
