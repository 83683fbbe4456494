import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DynamoDbLock, LockLostError, UnreachableError } from '../../src/index.js';
import { clientFor, dynalite, freshTable } from '../support/backends.js';
import { type Fault, FaultInjector } from '../support/faults.js';

/**
 * Fault injection at the SDK's request handler, one fault kind per case, on a real server:
 * three workers take turns on one resource (auto-renewed leases) while bursts of the fault hit
 * acquires, renewals and releases. For each kind: never two holders, no lease believed held
 * that the server does not show as ours, every worker gets its turns once the faults stop, no
 * unhandled rejection, and no timer left running afterwards.
 */

const clean = clientFor(dynalite());
let tableName: string;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeAll(async () => {
  tableName = await freshTable(clean, 'faults');
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  clean.destroy();
});

const WORKERS = 3;
const ROUNDS = 2;
const HOLD_MS = 150;

const cases: [string, Fault, number][] = [
  ['a throttling burst', { kind: 'throttle' }, 8],
  ['a ThrottlingException burst', { kind: 'throttle', type: 'ThrottlingException' }, 8],
  ['500 InternalServerError', { kind: 'server-error', status: 500 }, 6],
  ['503 ServiceUnavailable', { kind: 'server-error', status: 503 }, 6],
  ['request timeouts', { kind: 'timeout', ms: 200 }, 4],
  ['connection resets', { kind: 'reset' }, 6],
  ['ambiguous writes (applied, connection reset)', { kind: 'reset', applied: true }, 6],
  ['ambiguous writes (applied, timed out)', { kind: 'timeout', ms: 100, applied: true }, 4],
];

function timers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

test.each(cases)('%s: exclusion holds, every worker gets its turns, nothing leaks', async (_name, fault, times) => {
  const baselineTimers = timers();
  const faults = new FaultInjector();
  const client = clientFor(dynalite(), { requestHandler: faults.handler });
  const resourceId = `faults-${fault.kind}-${Math.random().toString(36).slice(2)}`;
  const warnings: string[] = [];
  const logger = { debug() {}, info() {}, warn: (m: string) => void warnings.push(m), error() {} };

  let inside = 0;
  let maxInside = 0;
  let acquisitions = 0;
  let lost = 0;
  const mismatches: string[] = [];
  const tokens: number[] = [];
  const locks: DynamoDbLock[] = [];

  // Sample every lock's belief at once: at most one may believe it holds.
  let maxBelievers = 0;
  const sampler = setInterval(() => {
    maxBelievers = Math.max(maxBelievers, locks.filter((l) => l.locked()).length);
  }, 5);

  async function worker(): Promise<void> {
    for (let round = 0; round < ROUNDS; round++) {
      const lock = new DynamoDbLock(resourceId, {
        client,
        tableName,
        duration: 1.2,
        clockSkewAllowance: 0.1,
        autoRenew: true,
        logger,
      });
      locks.push(lock);
      expect(await lock.acquire({ timeout: 25 })).toBe(true);
      acquisitions++;
      tokens.push(lock.fencingToken!);
      const until = Date.now() + HOLD_MS;
      while (Date.now() < until && lock.locked()) {
        inside++;
        maxInside = Math.max(maxInside, inside);
        // The belief is backed by the server: the item carries our token and a live lease.
        const { Item } = await clean.send(
          new GetItemCommand({ TableName: tableName, Key: { resource_id: { S: resourceId } }, ConsistentRead: true }),
        );
        const now = Date.now();
        if (lock.locked()) {
          if (Number(Item?.fencing_token?.N) !== lock.fencingToken) mismatches.push(`token ${Item?.fencing_token?.N}`);
          if (!(Number(Item?.expires_ms?.N) > now)) mismatches.push(`expires ${Item?.expires_ms?.N} <= ${now}`);
        }
        inside--;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      try {
        await lock.release();
      } catch (error) {
        // A renewal starved by the faults may lose the lease; it must say so, with a reason.
        expect(error).toBeInstanceOf(LockLostError);
        lost++;
      }
      expect(lock.locked()).toBe(false);
    }
  }

  // One burst now, against the first acquires; a second one later, against renewals,
  // waiting acquires and releases.
  faults.inject(fault, { times, operation: 'UpdateItem' });
  const second = setTimeout(() => faults.inject(fault, { times, operation: 'UpdateItem' }), 400);
  try {
    await Promise.all(Array.from({ length: WORKERS }, () => worker()));
  } finally {
    clearInterval(sampler);
    clearTimeout(second);
  }

  expect(faults.requests.filter((r) => r.fault !== undefined).length).toBe(2 * times);
  expect(maxInside).toBe(1);
  expect(maxBelievers).toBe(1);
  expect(mismatches).toEqual([]);
  expect(acquisitions).toBe(WORKERS * ROUNDS);
  // Each acquisition minted a new, larger token (an ambiguous write's retry may skip one).
  const sorted = [...tokens].sort((a, b) => a - b);
  for (let i = 1; i < sorted.length; i++) expect(sorted[i]).toBeGreaterThan(sorted[i - 1]!);
  // Faults were reported, not swallowed.
  expect(warnings.length).toBeGreaterThan(0);
  expect(lost).toBeLessThanOrEqual(WORKERS * ROUNDS);

  // Nothing is held on the server afterwards.
  const { Item } = await clean.send(
    new GetItemCommand({ TableName: tableName, Key: { resource_id: { S: resourceId } }, ConsistentRead: true }),
  );
  expect(Item?.expires_ms?.N).toBe('0');

  client.destroy();
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(timers()).toBeLessThanOrEqual(baselineTimers);
  expect(unhandled).toEqual([]);
});

test('an endpoint that accepts connections and never answers: a timed acquire settles at its deadline with UnreachableError, holding nothing', async () => {
  const { createServer } = await import('node:net');
  const sockets: import('node:net').Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as import('node:net').AddressInfo;
  // A client with no request timeout at all: only the lock's own cut-offs can end a request.
  const silent = clientFor({ ...dynalite(), endpoint: `http://127.0.0.1:${port}` });
  try {
    const lock = new DynamoDbLock('silent', { client: silent, tableName, logger: false });
    const started = performance.now();
    // Not `false`: its write went unanswered for over a second (the evidence an acquire needs;
    // a timeout of 1 s left the write a few milliseconds short of it), so whether the lock is
    // held is unknown.
    await expect(lock.acquire({ timeout: 1.5 })).rejects.toBeInstanceOf(UnreachableError);
    const ms = performance.now() - started;
    expect(ms).toBeGreaterThanOrEqual(1_490);
    expect(lock.locked()).toBe(false);
    expect(sockets.length).toBeGreaterThan(0);
  } finally {
    silent.destroy();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});
