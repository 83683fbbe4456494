import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { resolveElectionOptions } from '../../src/election/options.js';
import { withElectionLock } from '../../src/election/test-seam.js';
import type { DeposedInfo, DeposedReason, ElectionEvent, LeaderElectionOptions, Leadership } from '../../src/index.js';
import {
  AbortedError,
  DynamoDbError,
  defaults,
  InvalidArgumentError,
  LeaderElection,
  LockLostError,
  MisconfiguredError,
  resetDefaults,
  TableNotFoundError,
  ThrottledError,
} from '../../src/index.js';
import { withClock } from '../../src/runtime/test-seam.js';
import { recordingLogger } from '../integration/helpers.js';
import { FakeClient, reset } from '../support/fake-client.js';
import { FakeClock } from '../support/fake-clock.js';
import { FakeLock } from '../support/fake-lock.js';

/** A client that fails the test if anything is ever sent. */
const silentClient = { send: vi.fn(() => Promise.reject(new Error('no request expected'))) };
const client = silentClient as unknown as DynamoDBClient;

const running = new Set<LeaderElection>();
afterEach(async () => {
  await Promise.all([...running].map((e) => e.stop()));
  running.clear();
});

/** An election on a fake lock and a fake clock (lease 10 s), recording callbacks in order. */
function setup(options: Partial<LeaderElectionOptions> = {}) {
  const clock = new FakeClock();
  const lock = new FakeLock();
  const logger = recordingLogger();
  const seen: string[] = [];
  const terms: Leadership[] = [];
  const deposed: { reason: DeposedReason; info: DeposedInfo }[] = [];
  const election = new LeaderElection(
    'scheduler',
    withElectionLock(
      withClock(
        {
          client,
          duration: 10,
          logger,
          onElected: (leadership: Leadership) => {
            seen.push(`elected ${leadership.term}`);
            terms.push(leadership);
          },
          onDeposed: (reason: DeposedReason, info: DeposedInfo) => {
            seen.push(`deposed ${reason}`);
            deposed.push({ reason, info });
          },
          ...options,
        },
        clock,
      ),
      lock,
    ),
  );
  running.add(election);
  /** Starts, answering the first (single) attempt with a win (token) or a refusal. */
  const start = async (token?: number): Promise<void> => {
    const started = election.start();
    const first = await lock.nextAcquire();
    expect(first.options.blocking).toBe(false);
    if (token === undefined) first.refuse();
    else first.win(token);
    await started;
  };
  return { clock, lock, logger, seen, terms, deposed, election, start };
}

describe('LeaderElection validation', () => {
  test.each<[string, unknown]>([
    ['unknown key', { client, onElect: () => undefined }],
    ['autoRenew (a leader always renews)', { client, autoRenew: false }],
    ['concurrency (one leader)', { client, tableLayout: 'slots', concurrency: 2 }],
    ['onElected not a function', { client, onElected: 'run' }],
    ['onDeposed not a function', { client, onDeposed: {} }],
    ['settleTimeout negative', { client, settleTimeout: -1 }],
    ['handleSignals not a boolean', { client, handleSignals: 'yes' }],
    ['a bad lock option', { client, duration: 0 }],
    ['a bad logger', { client, logger: {} }],
    ['options not an object', 'scheduler'],
  ])('%s: InvalidArgumentError, before any request', (_, options) => {
    expect(() => new LeaderElection('scheduler', options as LeaderElectionOptions)).toThrow(InvalidArgumentError);
    expect(silentClient.send).not.toHaveBeenCalled();
  });

  test('defaults.concurrency never makes two leaders: the election lock has concurrency 1', () => {
    defaults.tableLayout = 'slots';
    defaults.concurrency = 3;
    try {
      expect(resolveElectionOptions({ client }).lockOptions).toMatchObject({ concurrency: 1 });
    } finally {
      resetDefaults();
    }
  });

  test('a bad name: InvalidArgumentError', () => {
    expect(() => new LeaderElection('', { client })).toThrow(InvalidArgumentError);
  });

  test('autoRenew is refused with a reason, and unknown keys are named', () => {
    expect(() => new LeaderElection('x', { client, autoRenew: true } as LeaderElectionOptions)).toThrow(
      /always renews/,
    );
    expect(() => new LeaderElection('x', { client, onElect: () => undefined } as LeaderElectionOptions)).toThrow(
      /Unknown option `onElect`/,
    );
  });

  test('valid options construct without sending anything', () => {
    const election = new LeaderElection('scheduler', {
      client,
      duration: 2,
      tableName: 'locks',
      safetyMargin: 0.5,
      settleTimeout: 1,
      handleSignals: false,
      logger: false,
      onElected: () => undefined,
      onDeposed: () => undefined,
    });
    expect(election.name).toBe('scheduler');
    expect(election.isLeader()).toBe(false);
    expect(silentClient.send).not.toHaveBeenCalled();
  });
});

describe('LeaderElection campaign', () => {
  test('winning the first attempt: leader when start() resolves, term = fencing token', async () => {
    const { election, start, seen, terms, lock } = setup();
    await start(41);
    expect(election.isLeader()).toBe(true);
    expect(seen).toEqual(['elected 41']);
    expect(terms[0]).toMatchObject({ term: 41, fencingToken: 41, tookOver: false });
    expect(terms[0]!.signal.aborted).toBe(false);
    expect(election.leadership?.term).toBe(41);
    expect(lock.log).toEqual(['acquire once', 'won 41']);
  });

  test('expiresAt is the term lease end, also while an ended term settles, and undefined after the release', async () => {
    let finish!: () => void;
    const { election, start, lock } = setup({
      onElected: () => new Promise<void>((resolve) => (finish = resolve)),
    });
    const end = new Date(Date.UTC(2030, 0, 1));
    lock.leaseEnd(end);
    expect(election.expiresAt).toBeUndefined();
    await start(3);
    expect(election.expiresAt).toEqual(end);
    const stopped = election.stop();
    await vi.waitFor(() => expect(election.isLeader()).toBe(false));
    // Deposed, but the work has not settled: the lease is still held, and its end still matters.
    expect(election.expiresAt).toEqual(end);
    finish();
    await stopped;
    expect(election.expiresAt).toBeUndefined();
  });

  test('a standby waits in a blocking acquire with the campaign signal, and leads when it wins', async () => {
    const { election, start, seen, lock } = setup();
    await start();
    expect(election.isLeader()).toBe(false);
    const waiting = await lock.nextAcquire();
    expect(waiting.options).toMatchObject({ blocking: true, autoRenew: true });
    expect(waiting.options.signal).toBeInstanceOf(AbortSignal);
    waiting.win(7, true);
    await vi.waitFor(() => expect(election.isLeader()).toBe(true));
    expect(seen).toEqual(['elected 7']);
    expect(election.leadership?.tookOver).toBe(true);
  });

  test('a missing table rejects start(), and the election is stopped', async () => {
    const { election, lock } = setup();
    const started = election.start();
    (await lock.nextAcquire()).fail(new TableNotFoundError('locks'));
    await expect(started).rejects.toBeInstanceOf(TableNotFoundError);
    expect(lock.acquiring).toBe(false);
    await election.stop();
    // It can be started again.
    const again = election.start();
    (await lock.nextAcquire()).win(1);
    await again;
    expect(election.isLeader()).toBe(true);
  });

  test('a failing campaign is logged and tried again after one lease duration', async () => {
    const { election, start, lock, clock, logger } = setup();
    await start();
    (await lock.nextAcquire()).fail(new DynamoDbError('access denied'));
    await clock.flush();
    expect(logger.lines.some((l) => l.level === 'error' && /campaigning for 'scheduler' failed/.test(l.message))).toBe(
      true,
    );
    expect(lock.acquiring).toBe(false);
    await clock.advance(9_999);
    expect(lock.acquiring).toBe(false);
    await clock.advance(1);
    (await lock.nextAcquire()).win(3);
    await vi.waitFor(() => expect(election.isLeader()).toBe(true));
  });

  test('a failed first attempt (throttled) is a warning, and the blocking campaign follows at once', async () => {
    const { election, lock, logger } = setup();
    const started = election.start();
    (await lock.nextAcquire()).fail(new ThrottledError('slow down'));
    await started;
    const next = await lock.nextAcquire();
    expect(next.options.blocking).toBe(true);
    expect(logger.warnings().some((w) => /first attempt to lead 'scheduler' failed/.test(w))).toBe(true);
  });

  test('stop during the campaign aborts the waiting acquire; nothing is elected or released', async () => {
    const { election, start, lock, seen } = setup();
    await start();
    await lock.nextAcquire();
    await election.stop();
    expect(lock.acquiring).toBe(false);
    expect(lock.releases).toBe(0);
    expect(seen).toEqual([]);
    expect(election.isLeader()).toBe(false);
  });

  test('stop while leading: signal aborts, onDeposed(stopped), the work settles, then the lease is released', async () => {
    const order: string[] = [];
    let finish!: () => void;
    const { election, lock, start } = setup({
      onElected: ({ signal }) => {
        signal.addEventListener('abort', () => order.push('signal aborted'));
        return new Promise<void>((resolve) => {
          finish = () => {
            order.push('work settled');
            resolve();
          };
        });
      },
      onDeposed: (reason) => {
        order.push(`deposed ${reason}`);
      },
    });
    await start(5);
    const stopped = election.stop().then(() => order.push('stop resolved'));
    await vi.waitFor(() => expect(order).toEqual(['signal aborted', 'deposed stopped']));
    expect(election.isLeader()).toBe(false);
    expect(lock.releases).toBe(0); // the work still runs under the lease
    finish();
    await stopped;
    expect(order).toEqual(['signal aborted', 'deposed stopped', 'work settled', 'stop resolved']);
    expect(lock.log.at(-1)).toBe('release');
    expect(lock.releases).toBe(1);
    expect(lock.acquiring).toBe(false);
  });

  test("the term's signal carries an AbortedError on stop and the LockLostError on a loss", async () => {
    const { election, start, lock, terms, deposed } = setup();
    await start(1);
    lock.lose('unreachable');
    await vi.waitFor(() => expect(deposed).toHaveLength(1));
    expect(terms[0]!.signal.reason).toBeInstanceOf(LockLostError);
    expect(deposed[0]!.info.error).toBe(terms[0]!.signal.reason);
    (await lock.nextAcquire()).win(2);
    await vi.waitFor(() => expect(terms).toHaveLength(2));
    await election.stop();
    expect(terms[1]!.signal.reason).toBeInstanceOf(AbortedError);
    expect(deposed[1]).toEqual({ reason: 'stopped', info: { term: 2 } });
  });

  test.each(['taken', 'expired', 'unreachable'] as const)(
    'a lost lease (%s) deposes at once with that reason, and the election campaigns again',
    async (reason) => {
      const { election, start, lock, seen } = setup();
      await start(1);
      lock.lose(reason);
      // isLeader() turns false in the same tick the signal aborts.
      expect(election.isLeader()).toBe(false);
      await vi.waitFor(() => expect(seen).toEqual(['elected 1', `deposed ${reason}`]));
      const next = await lock.nextAcquire();
      expect(next.options.blocking).toBe(true);
      next.win(2);
      await vi.waitFor(() => expect(seen).toEqual(['elected 1', `deposed ${reason}`, 'elected 2']));
      expect(lock.log).toEqual(['acquire once', 'won 1', `lost ${reason}`, 'release', 'acquire', 'won 2']);
    },
  );

  test('resign() hands over, stands aside one lease duration, then campaigns again', async () => {
    const { election, start, lock, clock, seen } = setup();
    await start(1);
    await election.resign();
    expect(seen).toEqual(['elected 1', 'deposed resigned']);
    expect(lock.releases).toBe(1);
    await clock.advance(9_999);
    expect(lock.acquiring).toBe(false);
    await clock.advance(1);
    (await lock.nextAcquire()).win(2);
    await vi.waitFor(() => expect(seen.at(-1)).toBe('elected 2'));
    await election.resign();
    await election.stop(); // stops the standing aside at once
    expect(lock.acquiring).toBe(false);
    await election.resign(); // not leading: nothing to do
  });
});

describe('LeaderElection shields user callbacks', () => {
  test('onElected throwing while leading resigns the term; the election goes on', async () => {
    const boom = new Error('boom');
    const { start, lock, clock, logger, deposed } = setup({
      onElected: () => {
        throw boom;
      },
    });
    await start(1);
    await vi.waitFor(() => expect(deposed).toEqual([{ reason: 'resigned', info: { term: 1, error: boom } }]));
    expect(logger.lines.some((l) => l.level === 'error' && /onElected of 'scheduler' failed/.test(l.message))).toBe(
      true,
    );
    await vi.waitFor(() => expect(lock.releases).toBe(1));
    await clock.advance(10_000);
    (await lock.nextAcquire()).win(2);
    await vi.waitFor(() => expect(deposed).toHaveLength(2));
    expect(deposed[1]!.reason).toBe('resigned');
  });

  test('async onElected rejecting after its signal aborted is a normal end, not a failure', async () => {
    const { election, start, logger, deposed } = setup({
      onElected: ({ signal }) =>
        new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    });
    await start(1);
    await election.stop();
    expect(deposed.map((d) => d.reason)).toEqual(['stopped']);
    expect(logger.lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  test('a never-settling onElected: stop() still settles after settleTimeout, with a warning', async () => {
    const { election, start, lock, clock, logger } = setup({
      settleTimeout: 3,
      onElected: () => new Promise<void>(() => undefined),
    });
    await start(1);
    let stopped = false;
    const stopping = election.stop().then(() => {
      stopped = true;
    });
    await clock.advance(2_999);
    expect(stopped).toBe(false);
    expect(lock.releases).toBe(0);
    await clock.advance(1);
    await stopping;
    expect(lock.releases).toBe(1);
    expect(logger.warnings().some((w) => /has not settled 3 s after its term ended/.test(w))).toBe(true);
  });

  test('onDeposed throwing or rejecting is logged; the election goes on', async () => {
    let calls = 0;
    const { election, start, lock, logger } = setup({
      onDeposed: () => {
        calls++;
        if (calls === 1) throw new Error('sync');
        return Promise.reject(new Error('async'));
      },
    });
    await start(1);
    lock.lose('taken');
    (await lock.nextAcquire()).win(2);
    await vi.waitFor(() => expect(election.isLeader()).toBe(true));
    lock.lose('expired');
    await lock.nextAcquire();
    await vi.waitFor(() =>
      expect(logger.lines.filter((l) => /onDeposed of 'scheduler' failed/.test(l.message))).toHaveLength(2),
    );
  });

  test('a logger that throws cannot break the election either', async () => {
    const throwing = {
      debug: () => undefined,
      info: () => undefined,
      warn: () => {
        throw new Error('logger down');
      },
      error: () => {
        throw new Error('logger down');
      },
    };
    const { election, start, lock, clock, deposed } = setup({
      logger: throwing,
      settleTimeout: 1,
      onElected: () => {
        throw new Error('work failed'); // logged as an error: the logger throws
      },
    });
    await start(1);
    await vi.waitFor(() => expect(deposed.map((d) => d.reason)).toEqual(['resigned']));
    await clock.advance(10_000);
    (await lock.nextAcquire()).win(2);
    await vi.waitFor(() => expect(deposed).toHaveLength(2));
    await clock.advance(10_000);
    (await lock.nextAcquire()).fail(new DynamoDbError('denied')); // logged as an error too
    await clock.flush();
    await election.stop();
    expect(lock.acquiring).toBe(false);
  });

  test('no callbacks at all: the election still runs', async () => {
    const clock = new FakeClock();
    const lock = new FakeLock();
    const election = new LeaderElection('x', withElectionLock(withClock({ client, logger: false }, clock), lock));
    running.add(election);
    const started = election.start();
    (await lock.nextAcquire()).win(1);
    await started;
    expect(election.isLeader()).toBe(true);
    await election.stop();
    expect(lock.releases).toBe(1);
  });
});

/** An event as a short line. */
function describeEvent(e: ElectionEvent): string {
  if (e.type === 'elected') return `elected ${e.term}`;
  if (e.type === 'deposed') return `deposed ${e.reason} ${e.term}`;
  return `failed ${(e.error as Error).name}`;
}

describe('LeaderElection events and lifecycle', () => {
  test('events() yields elected and deposed in order, and ends when the election stops', async () => {
    const { election, start, lock } = setup();
    const events = election.events();
    const seen: ElectionEvent[] = [];
    const reading = (async () => {
      for await (const event of events) seen.push(event);
    })();
    await start(1);
    lock.lose('taken');
    (await lock.nextAcquire()).win(2);
    await vi.waitFor(() => expect(election.isLeader()).toBe(true));
    await election.stop();
    await reading;
    expect(seen.map(describeEvent)).toEqual(['elected 1', 'deposed taken 1', 'elected 2', 'deposed stopped 2']);
  });

  test('stop() ends an iterator taken before start(), and one taken after stop() has already ended', async () => {
    const { election, start } = setup();
    const before = election.events();
    const next = before.next();
    await election.stop();
    expect(await next).toEqual({ value: undefined, done: true });
    expect(await election.events().next()).toEqual({ value: undefined, done: true });
    // Started again: an iterator taken once start() was called sees the new campaign, and stop() ends it.
    const restarted = start(7);
    const again = election.events();
    const seen: ElectionEvent[] = [];
    const reading = (async () => {
      for await (const event of again) seen.push(event);
    })();
    await restarted;
    await election.stop();
    await reading;
    expect(seen.map(describeEvent)).toEqual(['elected 7', 'deposed stopped 7']);
  });

  test.each([
    ['MisconfiguredError', () => new MisconfiguredError('no region')],
    ['TableNotFoundError', () => new TableNotFoundError('locks')],
  ])('%s at the first attempt: start() rejects, a failed event, the iterators end', async (_name, make) => {
    const { election, lock } = setup();
    const events = election.events();
    const started = election.start();
    const error = make();
    (await lock.nextAcquire()).fail(error);
    await expect(started).rejects.toBe(error);
    expect(await events.next()).toEqual({ value: { type: 'failed', error }, done: false });
    expect(await events.next()).toEqual({ value: undefined, done: true });
    expect(lock.acquiring).toBe(false);
  });

  test('a permanent error at a later attempt stops the election: logged, a failed event, no retry', async () => {
    const { election, lock, logger, clock, start } = setup();
    const events = election.events();
    await start();
    const error = new MisconfiguredError('access denied');
    (await lock.nextAcquire()).fail(error);
    expect(await events.next()).toEqual({ value: { type: 'failed', error }, done: false });
    expect(await events.next()).toEqual({ value: undefined, done: true });
    await clock.advance(60_000);
    expect(lock.acquires).toHaveLength(2);
    expect(election.isLeader()).toBe(false);
    expect(logger.lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([
      "the election for 'scheduler' stopped: it cannot go on",
    ]);
  });

  test('breaking out of events() unsubscribes', async () => {
    const { election, start } = setup();
    const events = election.events();
    await start(1);
    for await (const event of events) {
      expect(event.type).toBe('elected');
      break;
    }
    expect(await events.next()).toEqual({ value: undefined, done: true });
  });

  test('start() twice is one campaign; stop() twice, or before start, settles', async () => {
    const { election, start, lock } = setup();
    await election.stop();
    await start();
    await election.start();
    await lock.nextAcquire();
    expect(lock.acquires).toHaveLength(2); // the single first attempt, then one blocking acquire
    await Promise.all([election.stop(), election.stop()]);
    expect(lock.acquiring).toBe(false);
  });

  test('start() right after stop() (not awaited) campaigns again once the stop is done', async () => {
    const { election, start, lock, seen } = setup();
    await start(1);
    const stopping = election.stop();
    const restarting = election.start();
    await stopping;
    (await lock.nextAcquire()).win(2);
    await restarting;
    expect(seen).toEqual(['elected 1', 'deposed stopped', 'elected 2']);
  });

  test('await using stops the election', async () => {
    const { election, start, lock } = setup();
    await start(1);
    {
      await using _ = election;
    }
    expect(lock.releases).toBe(1);
    expect(election.isLeader()).toBe(false);
  });

  test('handleSignals: SIGTERM stops (resigns); the listener is installed only while running', async () => {
    // Another listener stays, so the election does not re-raise the signal in the test process.
    const other = (): void => undefined;
    process.on('SIGTERM', other);
    try {
      const before = process.listenerCount('SIGTERM');
      const { election, start, seen } = setup({ handleSignals: true });
      await start(1);
      expect(process.listenerCount('SIGTERM')).toBe(before + 1);
      expect(process.listenerCount('SIGINT')).toBeGreaterThan(0);
      process.emit('SIGTERM', 'SIGTERM');
      await vi.waitFor(() => expect(process.listenerCount('SIGTERM')).toBe(before));
      expect(seen).toEqual(['elected 1', 'deposed stopped']);
      expect(election.isLeader()).toBe(false);
    } finally {
      process.off('SIGTERM', other);
    }
  });

  test('without handleSignals no signal listener is installed', async () => {
    const before = process.listenerCount('SIGTERM');
    const { start } = setup();
    await start(1);
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});

describe('LeaderElection on the real lock (fake client and clock)', () => {
  test('renewals failing: the leader steps down safetyMargin before its lease ends, never after', async () => {
    const clock = new FakeClock();
    const fake = new FakeClient(clock.monotonic);
    fake.otherwise('extend', () => reset()); // every renewal fails as if the network were gone
    const deposed: { reason: DeposedReason; at: number; leader: boolean }[] = [];
    let signalAbortedAt: number | undefined;
    const election = new LeaderElection(
      'scheduler',
      withClock(
        {
          client: fake.asClient,
          duration: 10,
          logger: false,
          onElected: ({ signal }: Leadership) => {
            signal.addEventListener('abort', () => {
              signalAbortedAt ??= clock.monotonic();
            });
          },
          onDeposed: (reason: DeposedReason) => {
            deposed.push({ reason, at: clock.monotonic(), leader: election.isLeader() });
          },
        },
        clock,
      ),
    );
    running.add(election);
    const electedAt = clock.monotonic();
    await election.start();
    expect(election.isLeader()).toBe(true);
    expect(fake.of('acquire')).toHaveLength(1);
    // Stop answering acquires, so the election does not win its lease straight back.
    fake.otherwise('acquire', () => 'hang');
    await clock.advance(10_000);
    // Deposed by the lock's signal, at the latest safetyMargin (2 s by default) before the lease
    // (10 s) would end: earlier when the next retry could not fit in before that point.
    expect(deposed).toMatchObject([{ reason: 'unreachable', leader: false }]);
    expect(deposed[0]!.at).toBeLessThanOrEqual(electedAt + 8_000);
    expect(signalAbortedAt).toBe(deposed[0]!.at);
    expect(fake.of('extend').length).toBeGreaterThan(1);
    // It released, and campaigns again.
    expect(fake.of('release')).toHaveLength(1);
    expect(fake.of('acquire')).toHaveLength(2);
    await election.stop();
  });
});
