import { AlreadyAcquiredError } from '../errors.js';
import { acquireOutcome } from '../events.js';
import type { HolderState } from '../lease/holder-state.js';
import { IDLE } from '../lease/holder-state.js';
import { type AcquireOptions, type ResolvedAcquireOptions, resolveAcquireOptions } from '../options/acquire-options.js';
import { abortError } from '../runtime/clock.js';
import type { LockContext } from '../runtime/context.js';
import type { AcquireWindow } from './acquire-loop.js';
import { type Contact, recordRefusal } from './contact.js';

/**
 * What one lock instance (a `DynamoDbLock`, a `DynamoDbMultiLock`) brings to an acquire: its
 * resources, its state, and its own way of waiting and of starting what it took.
 */
export interface AcquireSession<L> {
  /** One context per resource, the first one's clock timing the acquire; events go to each. */
  readonly ctxs: readonly LockContext[];
  /** What the instance holds, for the error of a second acquire: "the lock on `a`". */
  readonly what: string;
  /** The instance, for the refusal `withLock` reports. */
  readonly owner: object;
  readonly state: () => HolderState<L>;
  readonly setState: (state: HolderState<L>) => void;
  /** The first-contact tracker of this acquire. */
  readonly contact: (blocking: boolean) => Contact;
  /** Waits and takes: the lease, or undefined when the lock was not taken. */
  readonly take: (a: ResolvedAcquireOptions, w: AcquireWindow, contact: Contact) => Promise<L | undefined>;
  /** The lease was taken and recorded as held: start it. */
  readonly started: (lease: L, a: ResolvedAcquireOptions) => void;
  /** The acquire ends without a lease: give back what `take` took on the way (a place in line). */
  readonly ended?: () => void;
}

/**
 * An instance's `acquire()`, the same for a single and a multi-lock: options checked before
 * anything else, one acquire at a time, `acquireStarted` and `acquireEnded` for each resource,
 * and nothing held, the instance idle and the refusal recorded when it ends without the lock.
 */
export async function runAcquire<L>(s: AcquireSession<L>, options: AcquireOptions | undefined): Promise<boolean> {
  const a = resolveAcquireOptions(options);
  const now = s.state();
  if (now.kind !== 'idle') {
    throw new AlreadyAcquiredError(
      `This instance already ${now.kind === 'acquiring' ? 'is acquiring' : 'holds'} ${s.what}`,
    );
  }
  if (a.signal?.aborted) throw abortError(a.signal);
  s.setState({ kind: 'acquiring' });
  const clock = (s.ctxs[0] as LockContext).clock;
  const started = clock.monotonic();
  const w: AcquireWindow = {
    started,
    deadline: a.timeoutMs === undefined ? Number.POSITIVE_INFINITY : started + a.timeoutMs,
  };
  // Synchronously, in the caller's async context: a span started here joins the caller's trace.
  for (const c of s.ctxs) {
    c.emit('acquireStarted', { resourceId: c.resourceId, blocking: a.blocking, timeoutMs: a.timeoutMs });
  }
  let lease: L | undefined;
  let failure: { readonly error: unknown } | undefined;
  const contact = s.contact(a.blocking);
  try {
    lease = await s.take(a, w, contact);
    if (lease === undefined) return false;
    s.setState({ kind: 'held', lease });
    s.started(lease, a);
    return true;
  } catch (error) {
    failure = { error };
    throw error;
  } finally {
    // Refused, timed out, aborted or failed: hold nothing, and let the next waiter try.
    if (lease === undefined) {
      s.ended?.();
      s.setState(IDLE);
      recordRefusal(s.owner, contact.last);
    }
    const outcome = acquireOutcome(lease !== undefined, a.blocking, failure);
    const waitMs = clock.monotonic() - started;
    for (const c of s.ctxs) c.emit('acquireEnded', { resourceId: c.resourceId, outcome, waitMs, ...failure });
  }
}
