// A counting HTTP proxy on 127.0.0.1 in front of any DynamoDB endpoint (dynalite or DynamoDB
// Local), so that writes are counted at the server the same way on both, and so that throttling
// can be injected the way DynamoDB would apply it: above a write rate on the item, the proxy
// answers a DynamoDB-shaped 400 ProvisionedThroughputExceededException instead of forwarding.
import http from 'node:http';

const WRITES = new Set(['UpdateItem', 'PutItem', 'DeleteItem']);
const THROTTLED_BODY = JSON.stringify({
  __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
  message: 'The level of configured provisioned throughput for the table was exceeded (injected by the bench)',
});

/**
 * Starts a proxy to `target` (an http://host:port endpoint). `counts()` returns
 * `{ [operation]: { sent, ok, failed, throttled } }`; `setWriteLimit(perSecond | undefined)`
 * throttles writes above that rate, judged over a sliding one-second window of the writes the
 * server accepted (a throttled write is billed nothing and does not count towards the limit).
 */
export async function startProxy(target) {
  const url = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  let table = new Map();
  let limit;
  const accepted = [];
  const counter = (op) => {
    let c = table.get(op);
    if (c === undefined) {
      c = { sent: 0, ok: 0, failed: 0, throttled: 0 };
      table.set(op, c);
    }
    return c;
  };
  const server = http.createServer((req, res) => {
    const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
    const c = counter(op);
    c.sent++;
    if (limit !== undefined && WRITES.has(op)) {
      const now = performance.now();
      while (accepted.length > 0 && accepted[0] <= now - 1000) accepted.shift();
      if (accepted.length >= limit) {
        c.throttled++;
        req.resume();
        res.writeHead(400, {
          'content-type': 'application/x-amz-json-1.0',
          'content-length': Buffer.byteLength(THROTTLED_BODY),
        });
        res.end(THROTTLED_BODY);
        return;
      }
      accepted.push(now);
    }
    const upstream = http.request(
      { host: url.hostname, port: url.port, method: req.method, path: req.url, headers: req.headers, agent },
      (up) => {
        if (up.statusCode < 300) c.ok++;
        else c.failed++;
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    counts: () => Object.fromEntries([...table].map(([op, c]) => [op, { ...c }])),
    resetCounts: () => {
      table = new Map();
    },
    setWriteLimit: (perSecond) => {
      limit = perSecond;
      accepted.length = 0;
    },
    stop: async () => {
      server.closeAllConnections();
      agent.destroy();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes (UpdateItem, PutItem, DeleteItem) between two `counts()` snapshots, by outcome. */
export function writeCounts(before, after) {
  const out = { sent: 0, ok: 0, failed: 0, throttled: 0 };
  for (const op of WRITES) {
    for (const k of Object.keys(out)) out[k] += (after[op]?.[k] ?? 0) - (before[op]?.[k] ?? 0);
  }
  return out;
}
