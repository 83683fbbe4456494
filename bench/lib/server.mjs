// An in-process dynalite on 127.0.0.1 with a request counter in front of its handler, so that
// every write the clients send is counted at the server, by operation and by outcome.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { createLockTable } from '../../dist/index.js';

/**
 * Starts dynalite in this process and wraps its request listener. `counts()` returns a copy of
 * `{ [operation]: { sent, ok, failed, aborted } }`: `failed` is any non-2xx answer (for a
 * conditional write, ConditionalCheckFailedException); `aborted`, closed by the client unanswered.
 */
export async function startServer() {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const [handler] = server.listeners('request');
  server.removeAllListeners('request');
  let table = new Map();
  server.on('request', (req, res) => {
    const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
    let c = table.get(op);
    if (c === undefined) {
      c = { sent: 0, ok: 0, failed: 0, aborted: 0 };
      table.set(op, c);
    }
    c.sent++;
    res.once('close', () => {
      // Closed before the answer was written: the client gave up (a renewal cut off at the lease end).
      if (!res.writableFinished) c.aborted++;
      else if (res.statusCode < 300) c.ok++;
      else c.failed++;
    });
    handler.call(server, req, res);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const endpoint = `http://127.0.0.1:${server.address().port}`;
  return {
    endpoint,
    counts: () => Object.fromEntries([...table].map(([op, c]) => [op, { ...c }])),
    resetCounts: () => {
      table = new Map();
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A client configured as the lock's own default one: one attempt per request, keep-alive. */
export function makeClient(endpoint) {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

let tables = 0;

/** A fresh lock table, so that scenarios never see each other's items. */
export async function freshTable(client, prefix, tableLayout = 'single') {
  const tableName = `bench_${prefix}_${++tables}`;
  await createLockTable({ client, tableName, tableLayout });
  return tableName;
}

/** Write requests (UpdateItem, PutItem, DeleteItem) between two `counts()` snapshots. */
export function writesBetween(before, after) {
  const out = { sent: 0, ok: 0, failed: 0, aborted: 0 };
  for (const op of ['UpdateItem', 'PutItem', 'DeleteItem']) {
    for (const k of Object.keys(out)) out[k] += (after[op]?.[k] ?? 0) - (before[op]?.[k] ?? 0);
  }
  return out;
}
