// One soak worker: loops acquiring one of a few resources through the built library (dist/),
// and while it believes it holds the lock, logs that belief to the shared log and writes to
// the parent's fenced store. The parent kills, pauses and starves it; it never cleans up.
//
// Usage: node scripts/soak-worker.mjs <config-json>
import { lookup as dnsLookup } from 'node:dns';
import { appendFileSync, existsSync } from 'node:fs';
import { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbLock } from '../dist/index.js';

const config = JSON.parse(process.argv[2] ?? '{}');
const { id, endpoint, control, tableName, resources, durationS, skewS, maxPollS, logFile, dnsDownFile, unsafe } =
  config;

/**
 * The proxy's host name (under .invalid) resolves to 127.0.0.1, except while the parent's DNS
 * outage file exists: then the system resolver is asked, and fails as for any unknown host.
 */
function lookup(hostname, options, callback) {
  if (existsSync(dnsDownFile)) return dnsLookup(hostname, options, callback);
  if (options?.all) return callback(null, [{ address: '127.0.0.1', family: 4 }]);
  return callback(null, '127.0.0.1', 4);
}

const client = new DynamoDBClient({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'soak', secretAccessKey: 'soak' },
  maxAttempts: 1,
  // Without throwOnRequestTimeout the SDK only logs a hung request and keeps waiting.
  requestHandler: {
    httpAgent: new Agent({ keepAlive: true, lookup }),
    connectionTimeout: 1_000,
    requestTimeout: 1_000,
    throwOnRequestTimeout: true,
  },
});

/** Tells the parent something; the control channel has no faults. */
async function tell(path, body) {
  const response = await fetch(`${control}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ worker: id, pid: process.pid, ...body }),
  });
  return response.json();
}

function log(entry) {
  // One short line per append: O_APPEND writes of this size do not interleave.
  appendFileSync(logFile, `${JSON.stringify({ w: id, ...entry })}\n`);
}

process.on('SIGTERM', () => process.exit(0));

for (;;) {
  const resource = resources[Math.floor(Math.random() * resources.length)];
  let unsure = false;
  const lock = new DynamoDbLock(resource, {
    client,
    tableName,
    duration: durationS,
    clockSkewAllowance: skewS,
    maxPollInterval: maxPollS,
    // A negative control (--unsafe): no renewal and no check, so the soak must report violations.
    autoRenew: !unsafe,
    logger: false,
    hooks: {
      // A failed attempt that may have been applied makes this acquisition's history unsure.
      throttled: (e) => {
        if (e.operation === 'acquire') unsure = true;
      },
      extended: (e) => void tell('/extended', { resource, token: lock.fencingToken, expiresAt: e.expiresAt }),
      lost: (e) => void tell('/lost', { resource, token: e.fencingToken, reason: e.reason }),
    },
  });
  let acquired = false;
  try {
    acquired = await lock.acquire({ timeout: 5 });
  } catch (error) {
    // Faults can outlast an acquire's patience for transient errors, and an outage makes it
    // fail at once (UNREACHABLE, MISCONFIGURED for a host that never resolved): count, pause, go on.
    await tell('/error', { op: 'acquire', code: error?.code, message: String(error?.message ?? error) });
    await sleep(100);
    continue;
  }
  if (!acquired) continue;
  const token = lock.fencingToken;
  const expiresAt = lock.expiresAt.getTime();
  // The successful write was sent at expiresAt - duration, by this process's clock.
  const sentAt = expiresAt - durationS * 1000;
  // `sent` and `at` bracket the moment the server applied the write (a delayed request can
  // be applied long after it was sent).
  // `unsure`: an attempt failed in a way that may have been applied unseen; `tookOver` then errs
  // towards true and `sent` is the retry's, not necessarily the applied write's.
  log({ k: 'acq', r: resource, tok: token, sent: sentAt, at: Date.now(), took: lock.tookOver, unsure });
  await tell('/acquired', { resource, token, sentAt, expiresAt });

  const holdUntil = Date.now() + 50 + Math.random() * (unsafe ? 3_000 : 600);
  while (Date.now() < holdUntil) {
    const t = Date.now();
    if (!unsafe && !lock.locked()) break;
    // The belief "I hold it at t" goes to the shared log before the protected write.
    log({ k: 'work', r: resource, tok: token, t });
    // Work between the check and the protected write: a pause here (GC, SIGSTOP) sends the
    // write late, with a token the fenced store must refuse if a newer holder has written.
    await sleep(5 + Math.random() * 30);
    await tell('/write', { resource, token });
    await sleep(5 + Math.random() * 20);
  }
  try {
    await lock.release();
    await tell('/released', { resource, token });
  } catch (error) {
    await tell('/released', { resource, token, error: error?.code ?? String(error) });
  }
}
