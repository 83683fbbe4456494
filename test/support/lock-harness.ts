import type { LockHooks } from '../../src/events.js';
import { DynamoDbLock } from '../../src/lock.js';
import type { LockOptions } from '../../src/options/lock-options.js';
import { withClock } from '../../src/runtime/test-seam.js';
import { recordingLogger } from '../integration/helpers.js';
import { FakeClient } from './fake-client.js';
import { FakeClock } from './fake-clock.js';

/** The wall clock a harness starts at, epoch ms. */
export const WALL = 1_700_000_000_000;

/**
 * A lock on a scripted fake client and a fake clock, recording its log lines and events.
 * A 3 s lock: safety margin 0.6 s (a fifth), renewal every 1 s (a third).
 */
export function setup(options: LockOptions = {}) {
  const clock = new FakeClock(WALL);
  const fake = new FakeClient(clock.monotonic);
  const log = recordingLogger();
  const events: { name: string; event: unknown }[] = [];
  const hooks: LockHooks = Object.fromEntries(
    ['acquired', 'contended', 'throttled', 'extended', 'lost', 'released'].map((name) => [
      name,
      (event: unknown) => events.push({ name, event }),
    ]),
  );
  const lock = new DynamoDbLock(
    'res',
    withClock({ client: fake.asClient, duration: 3, logger: log, hooks, ...options }, clock),
  );
  return { clock, fake, log, lock, events, t0: clock.monotonic() };
}

/** The reason a lost lease's signal carries. */
export const reasonOf = (signal: AbortSignal): string | undefined => (signal.reason as { reason?: string }).reason;
