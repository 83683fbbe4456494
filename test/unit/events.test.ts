/** The lock's events on Node's diagnostics channels: what every lock publishes besides its hooks. */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, test } from 'vitest';
import {
  acquireOutcome,
  ELECTION_CHANNEL_NAME,
  type ElectionMessage,
  HOOK_NAMES,
  type LockMessage,
  lockChannelName,
} from '../../src/events.js';
import { AbortedError, DynamoDbError, LeaderElection } from '../../src/index.js';
import { setup } from '../support/lock-harness.js';

const subscriptions: [string, (message: unknown) => void][] = [];
function listen(channel: string): unknown[] {
  const seen: unknown[] = [];
  const fn = (message: unknown) => seen.push(message);
  subscribe(channel, fn);
  subscriptions.push([channel, fn]);
  return seen;
}
afterEach(() => {
  for (const [channel, fn] of subscriptions.splice(0)) unsubscribe(channel, fn);
});

describe('diagnostics channels', () => {
  test('each lock event is published with the lock and table it is about: the very object its hook gets', async () => {
    const seen = Object.fromEntries(HOOK_NAMES.map((name) => [name, listen(lockChannelName(name))]));
    const hooked: unknown[] = [];
    const { lock } = setup({ tableName: 'jobs', hooks: { acquired: (e) => hooked.push(e) } });
    await lock.acquire();
    await lock.extend();
    await lock.release();
    for (const name of ['acquireStarted', 'acquired', 'acquireEnded', 'extended', 'released'] as const) {
      expect(seen[name], name).toHaveLength(1);
    }
    const [acquired] = seen.acquired as LockMessage<'acquired'>[];
    expect(acquired!.lock).toBe(lock);
    expect(acquired!.tableName).toBe('jobs');
    expect(acquired!.event).toBe(hooked[0]);
    expect(seen.lost).toEqual([]);
  });

  test('a lock publishes whatever its hooks, and only while someone listens', async () => {
    const { lock } = setup();
    await lock.acquire();
    const started = listen(lockChannelName('released'));
    await lock.release();
    expect(started).toHaveLength(1);
    unsubscribe(...subscriptions.pop()!);
    await lock.acquire();
    await lock.release();
    expect(started).toHaveLength(1);
  });

  test('an election publishes its events with the election and its table', async () => {
    const seen = listen(ELECTION_CHANNEL_NAME) as ElectionMessage[];
    const { fake } = setup();
    const election = new LeaderElection('leader', {
      client: fake.asClient,
      tableName: 'elections',
      logger: false,
      handleSignals: false,
    });
    await election.start();
    await election.stop();
    expect(seen.map((m) => [m.event.type, m.election, m.tableName])).toEqual([
      ['elected', election, 'elections'],
      ['deposed', election, 'elections'],
    ]);
  });
});

describe('acquireOutcome', () => {
  test.each([
    [true, true, undefined, 'acquired'],
    [false, true, undefined, 'timeout'],
    [false, false, undefined, 'unavailable'],
    [false, true, { error: new AbortedError('stop') }, 'aborted'],
    [false, false, { error: new DynamoDbError('boom') }, 'error'],
    [false, true, { error: undefined }, 'error'],
  ] as const)('held %s, blocking %s, failure %o: %s', (held, blocking, failure, outcome) => {
    expect(acquireOutcome(held, blocking, failure)).toBe(outcome);
  });
});
