import type { Attributes } from '@opentelemetry/api';
import type { ElectionMessage, LockMessage } from '../events.js';
import type { LeaderElection } from '../leader-election.js';
import type { DynamoDbLock } from '../lock.js';
import { errorType, type Recorder, seconds } from './handlers.js';
import type { Instruments } from './instruments.js';
import { LiveCount } from './live-count.js';
import { ATTR } from './names.js';

/**
 * Records lock and election events into the metric instruments. Attributes are the table and
 * the event's outcome or reason only (the resource id too when asked), so that the number of
 * time series stays small whatever the number of resources.
 */
export class LockMetrics implements Recorder {
  readonly #i: Instruments;
  readonly #withResourceId: boolean;
  readonly #held = new LiveCount<DynamoDbLock>((lock) => lock.locked());
  readonly #leading = new LiveCount<LeaderElection>((election) => election.isLeader());
  /**
   * The fencing token of each lock's last lease recorded as lost: a lease lost by expiry can
   * still be released afterwards, and its hold is recorded once.
   */
  readonly #lostToken = new WeakMap<object, number>();

  constructor(instruments: Instruments, withResourceId: boolean) {
    this.#i = instruments;
    this.#withResourceId = withResourceId;
    instruments.held.addCallback(this.#held.observe);
    instruments.leader.addCallback(this.#leading.observe);
  }

  /** Stops the counts read at collection. */
  stop(): void {
    this.#i.held.removeCallback(this.#held.observe);
    this.#i.leader.removeCallback(this.#leading.observe);
  }

  #base(tableName: string, resourceId: string): Attributes {
    return this.#withResourceId
      ? { [ATTR.table]: tableName, [ATTR.resourceId]: resourceId }
      : { [ATTR.table]: tableName };
  }

  #hold(m: LockMessage<'lost' | 'released'>, outcome: 'lost' | 'released'): void {
    const attributes = { ...this.#base(m.tableName, m.event.resourceId), [ATTR.outcome]: outcome };
    this.#i.holdDuration.record(seconds(m.event.heldMs), attributes);
  }

  readonly lock: Recorder['lock'] = {
    acquireEnded: ({ tableName, event }) => {
      const attributes: Attributes = { ...this.#base(tableName, event.resourceId), [ATTR.outcome]: event.outcome };
      if (event.outcome === 'error') attributes[ATTR.errorType] = errorType(event.error);
      this.#i.acquireDuration.record(seconds(event.waitMs), attributes);
    },
    acquired: ({ lock, tableName, event }) => {
      const base = this.#base(tableName, event.resourceId);
      this.#i.acquisitions.add(1, { ...base, [ATTR.tookOver]: event.tookOver });
      this.#held.add(lock, base);
    },
    contended: ({ tableName, event }) => this.#i.refusals.add(1, this.#base(tableName, event.resourceId)),
    throttled: ({ tableName, event }) =>
      this.#i.throttles.add(1, {
        ...this.#base(tableName, event.resourceId),
        [ATTR.operation]: event.operation,
        [ATTR.errorType]: errorType(event.error),
      }),
    extended: ({ tableName, event }) =>
      this.#i.extendDuration.record(seconds(event.durationMs), {
        ...this.#base(tableName, event.resourceId),
        [ATTR.automatic]: event.automatic,
      }),
    lost: (m) => {
      this.#i.losses.add(1, { ...this.#base(m.tableName, m.event.resourceId), [ATTR.reason]: m.event.reason });
      this.#held.delete(m.lock);
      this.#lostToken.set(m.lock, m.event.fencingToken);
      this.#hold(m, 'lost');
    },
    released: (m) => {
      this.#held.delete(m.lock);
      if (this.#lostToken.get(m.lock) !== m.event.fencingToken) this.#hold(m, 'released');
    },
  };

  election({ election, tableName, event }: ElectionMessage): void {
    // A term ended, or the election stopped itself on an error no retry fixes (`failed`).
    if (event.type !== 'elected') {
      this.#leading.delete(election);
      return;
    }
    const base = this.#base(tableName, election.name);
    this.#i.terms.add(1, { ...base, [ATTR.tookOver]: event.tookOver });
    this.#leading.add(election, base);
  }
}
