/**
 * A DynamoDB that is missing, silent or wrong, with the real SDK on real sockets (all on
 * 127.0.0.1, or a host under the reserved .invalid TLD, which fails to resolve locally): the
 * caller is told at once, with the SDK error as `cause` and the endpoint named, and an
 * unreachable DynamoDB never looks like a busy lock.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLockTable, DynamoDbLock, MisconfiguredError, readLock, UnreachableError } from '../../src/index.js';
import { recordingLogger } from '../integration/helpers.js';

const servers: Server[] = [];
let refusing: string;
let plain: string;

async function listen(server: Server): Promise<number> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

beforeAll(async () => {
  const closed = createServer();
  const port = await listen(closed);
  await new Promise((resolve) => closed.close(resolve));
  refusing = `http://127.0.0.1:${port}`;
  // Answers TLS with plain text.
  plain = `https://127.0.0.1:${await listen(createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')))}`;
});
afterAll(() => {
  for (const server of servers) server.close();
});

const clientAt = (endpoint: string) =>
  new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts: 1,
  });

describe('a refusing endpoint', () => {
  test('acquire({ timeout }) rejects with UnreachableError naming the endpoint, and each warning names error and endpoint', async () => {
    const log = recordingLogger();
    const lock = new DynamoDbLock('x', { client: clientAt(refusing), logger: log, duration: 3 });
    const error = await lock.acquire({ timeout: 0.5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as UnreachableError).endpoint).toBe(refusing);
    expect((error as Error).message).toContain(`never reached DynamoDB at ${refusing}`);
    expect(((error as Error).cause as { code?: string }).code).toBe('ECONNREFUSED');
    // Each retry's WARNING. (On a loaded machine a write can also be in flight at the deadline, cut
    // off and cleared: that clean-up has its own warning.)
    const warnings = log.warnings().filter((w) => w.startsWith('a transient DynamoDB failure interrupted acquire'));
    expect(warnings.length).toBeGreaterThan(0);
    for (const w of warnings) expect(w).toMatch(new RegExp(`ECONNREFUSED.*endpoint ${refusing}`));
  });

  test('createLockTable rejects with UnreachableError', async () => {
    const error = await createLockTable({ client: clientAt(refusing), tableName: 'lock_table' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as Error).message).toContain(refusing);
  });

  test('readLock rejects with UnreachableError naming the endpoint', async () => {
    const error = await readLock('x', { client: clientAt(refusing), tableName: 'lock_table' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as UnreachableError).endpoint).toBe(refusing);
    expect((error as Error).message).toContain(`got no answer from DynamoDB at ${refusing}`);
    expect(((error as Error).cause as { code?: string }).code).toBe('ECONNREFUSED');
  });
});

describe('retrying cannot help: MisconfiguredError at once, even for a blocking acquire', () => {
  test('a host name that does not resolve', async () => {
    const started = performance.now();
    const lock = new DynamoDbLock('x', { client: clientAt('http://dynamodb.example.invalid:8000'), logger: false });
    const error = await lock.acquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MisconfiguredError);
    expect(((error as Error).cause as { code?: string }).code).toBe('ENOTFOUND');
    expect((error as Error).message).toMatch(/host name does not resolve/);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  test('TLS to an endpoint that speaks none', async () => {
    const lock = new DynamoDbLock('x', { client: clientAt(plain), logger: false });
    const error = await lock.acquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MisconfiguredError);
    expect((error as MisconfiguredError).endpoint).toBe(plain);
  });
});
