import type { Counter, Histogram, Meter, ObservableUpDownCounter } from '@opentelemetry/api';

/**
 * The metric instruments, in seconds and OpenTelemetry's naming style. `docs/opentelemetry.md`
 * lists each with its attributes; change both together.
 */

// Bucket boundaries, seconds. The SDK's default ones are shaped for milliseconds, so each
// histogram advises its own (an SDK View overrides them).
/** From a free lock's round trip (milliseconds) to a long queue (minutes). */
const WAIT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
/** From a short critical section to a leader's term (a day). */
const HOLD_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600, 14_400, 86_400];
/** A renewal is one write, plus retries: well under the lease it renews. */
const EXTEND_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10];

/** The instruments one instrumentation records into. */
export interface Instruments {
  readonly acquireDuration: Histogram;
  readonly holdDuration: Histogram;
  readonly acquisitions: Counter;
  readonly refusals: Counter;
  readonly throttles: Counter;
  readonly losses: Counter;
  readonly extendDuration: Histogram;
  readonly held: ObservableUpDownCounter;
  readonly terms: Counter;
  readonly leader: ObservableUpDownCounter;
}

/** Creates every instrument on `meter`. */
export function createInstruments(meter: Meter): Instruments {
  const seconds = (name: string, description: string, buckets: number[]): Histogram =>
    meter.createHistogram(name, { unit: 's', description, advice: { explicitBucketBoundaries: buckets } });
  const counter = (name: string, unit: string, description: string): Counter =>
    meter.createCounter(name, { unit, description });
  return {
    acquireDuration: seconds(
      'dynamo_dlm.lock.acquire.duration',
      'Time from a call to acquire() until its outcome (the wait for the lock).',
      WAIT_BUCKETS,
    ),
    holdDuration: seconds(
      'dynamo_dlm.lock.hold.duration',
      'How long a lease was held, from its acquisition until it was released or lost.',
      HOLD_BUCKETS,
    ),
    acquisitions: counter(
      'dynamo_dlm.lock.acquisitions',
      '{acquisition}',
      'Leases acquired; took_over marks those taken over from a holder that had not released.',
    ),
    refusals: counter(
      'dynamo_dlm.lock.refusals',
      '{refusal}',
      'Acquire writes refused because the lock was held elsewhere (contention).',
    ),
    throttles: counter(
      'dynamo_dlm.lock.throttles',
      '{retry}',
      'Writes DynamoDB throttled, or that failed transiently, and were retried after a pause.',
    ),
    losses: counter(
      'dynamo_dlm.lock.losses',
      '{lease}',
      'Leases lost while held: taken by another owner, expired before renewal, or unrenewable.',
    ),
    extendDuration: seconds(
      'dynamo_dlm.lock.extend.duration',
      'Time an extend took, from its first write to its success, retries included; its count is the number of renewals.',
      EXTEND_BUCKETS,
    ),
    held: meter.createObservableUpDownCounter('dynamo_dlm.lock.held', {
      unit: '{lock}',
      description: 'Locks this process holds now: acquired, neither released nor lost, lease not run out.',
    }),
    terms: counter('dynamo_dlm.election.terms', '{term}', 'Terms of leadership this process won.'),
    leader: meter.createObservableUpDownCounter('dynamo_dlm.election.leader', {
      unit: '{election}',
      description: 'Elections this process leads now: 1 while leading, 0 otherwise (per election with resource ids).',
    }),
  };
}
