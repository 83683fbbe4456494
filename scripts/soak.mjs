// Chaos soak: `npm run soak -- --seconds N [--workers K] [--resources R] [--lease S] [--model-runs N] [--unsafe]`
//
// K worker processes (scripts/soak-worker.mjs, using the built dist/) contend for R resources on
// one dynalite started here on 127.0.0.1. Workers reach dynalite through a fault proxy in this
// process; each holder writes to a fenced store served here (it rejects tokens lower than the
// highest it has accepted) and appends its belief "I hold it now" to a shared log. Meanwhile
// this process SIGKILLs holders, SIGSTOPs them past their lease and resumes them, and injects
// bursts of throttling, 500/503, resets, hangs and applied-but-lost writes, and of a DynamoDB that
// is not there: the endpoint refusing connections (the proxy stops listening), its host name
// failing to resolve (workers reach the proxy by a name under .invalid, resolved by their own
// lookup, which fails for real during a burst), and a silent endpoint (every request accepted,
// none answered).
//
// At the end it verifies: no holder believed it held a resource after a later token's write was
// sent (mutual exclusion), the fenced store accepted tokens in order, and every killed holder's
// lease was taken by another worker within lease + skew + margin. It prints the figures and
// exits non-zero on any violation. With --model-runs it then runs the model-based test longer.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { startLocalDynamo } from '../dist/testing.js';

// The SDK's notice that future releases need Node 22 says nothing about the soak; the workers
// inherit this and stay quiet too.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    workers: { type: 'string', default: '5' },
    resources: { type: 'string', default: '2' },
    lease: { type: 'string', default: '2' },
    'model-runs': { type: 'string', default: '0' },
    // Negative control: workers ignore their lease; the soak must then find violations.
    unsafe: { type: 'boolean', default: false },
  },
});
const SECONDS = Number(args.seconds);
const WORKERS = Number(args.workers);
const LEASE_MS = Number(args.lease) * 1000;
const SKEW_MS = 200;
// A waiter's backoff after throttling is capped at 2 s, and the machine is shared: margin.
// A killed holder's lease can also wait behind queued waiters that were killed too: the queue
// skips them once the lock has stood free for the grace, 2 x maxPollInterval + skew.
const MAX_POLL_MS = 500;
const RECOVERY_MARGIN_MS = 3_500 + 2 * MAX_POLL_MS + SKEW_MS;
const RESOURCES = Array.from({ length: Number(args.resources) }, (_, i) => `soak-resource-${i}`);
const TABLE = 'soak_locks';

for (const [name, value] of [
  ['seconds', SECONDS],
  ['workers', WORKERS],
  ['resources', RESOURCES.length],
  ['lease', LEASE_MS],
]) {
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`soak: --${name} must be a positive number`);
    process.exit(2);
  }
}

const dir = join(root, '.soak');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const logFile = join(dir, `log-${process.pid}.jsonl`);
// While this file exists, the workers' lookup of the proxy's host name fails (a DNS failure).
const dnsDownFile = join(dir, 'dns-down');

const random = (lo, hi) => lo + Math.random() * (hi - lo);
const pick = (list) => list[Math.floor(Math.random() * list.length)];

// --- dynalite ---------------------------------------------------------------------------------
const dynamo = await startLocalDynamo({ tableName: TABLE });
const target = new URL(dynamo.endpoint);

// --- the fault proxy ------------------------------------------------------------------------------
const FAULTS = ['throttle', 'error500', 'error503', 'reset', 'hang', 'applied-lost', 'delay'];
// DynamoDB missing or silent, for everyone at once: whole bursts, not a share of the requests.
const OUTAGES = ['refuse', 'dns', 'silent'];
let fault; // { kind, until, rate } while a burst lasts
const figures = { faultBursts: 0, faultedRequests: 0, proxied: 0 };
const byKind = Object.fromEntries([...FAULTS, 'silent'].map((k) => [k, 0]));
const outages = Object.fromEntries(OUTAGES.map((k) => [k, 0]));

function reply(res, status, type) {
  const body = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: 'soak fault' });
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function forward(req, body, onResponse) {
  const out = request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      const chunks = [];
      answer.on('data', (c) => chunks.push(c));
      answer.on('end', () => onResponse(answer, Buffer.concat(chunks)));
    },
  );
  out.on('error', () => onResponse(undefined));
  out.end(body);
}

const proxy = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    figures.proxied++;
    const active = fault !== undefined && Date.now() < fault.until && Math.random() < fault.rate ? fault.kind : 'none';
    if (active !== 'none') {
      figures.faultedRequests++;
      byKind[active]++;
    }
    const pass = () =>
      forward(req, body, (answer, data) => {
        if (answer === undefined) return res.destroy();
        res.writeHead(answer.statusCode ?? 500, answer.headers);
        res.end(data);
      });
    switch (active) {
      case 'throttle':
        return reply(res, 400, 'ProvisionedThroughputExceededException');
      case 'error500':
        return reply(res, 500, 'InternalServerError');
      case 'error503':
        return reply(res, 503, 'ServiceUnavailable');
      case 'reset':
        return res.socket?.destroy();
      case 'hang':
      case 'silent':
        // Never answer: the client's request timeout (1 s) gives up; close later.
        return setTimeout(() => res.socket?.destroy(), 3_000).unref();
      case 'applied-lost':
        // The server applies the write; the answer never reaches the client.
        return forward(req, body, () => res.socket?.destroy());
      case 'delay':
        return setTimeout(pass, random(50, 600)).unref();
      default:
        return pass();
    }
  });
});
await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
const proxyPort = proxy.address().port;
// A name, not an address: the workers' own lookup resolves it to 127.0.0.1 (and fails during a
// DNS outage). Under .invalid, so that no real resolver could ever answer for it.
const proxyEndpoint = `http://soak-dynamodb.invalid:${proxyPort}`;

// --- the fenced store and the control channel -------------------------------------------------
const store = new Map(); // resource -> { max, accepted: [tokens in arrival order] }
const holders = new Map(); // worker id -> { resource, token, expiresAt }
const counts = { acquisitions: 0, writesAccepted: 0, writesRejected: 0, lostReported: 0, acquireErrors: 0 };
const lostReasons = {};
const errorCodes = {};
const acquisitions = []; // { resource, token, sentAt, at }

const control = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const m = JSON.parse(Buffer.concat(chunks).toString() || '{}');
    let answer = { ok: true };
    switch (req.url) {
      case '/acquired':
        counts.acquisitions++;
        holders.set(m.worker, { resource: m.resource, token: m.token, expiresAt: m.expiresAt, pid: m.pid });
        acquisitions.push({ resource: m.resource, token: m.token, sentAt: m.sentAt, at: Date.now() });
        break;
      case '/extended': {
        const h = holders.get(m.worker);
        if (h !== undefined && h.token === m.token) h.expiresAt = m.expiresAt;
        break;
      }
      case '/released':
        if (holders.get(m.worker)?.token === m.token) holders.delete(m.worker);
        break;
      case '/lost':
        counts.lostReported++;
        lostReasons[m.reason] = (lostReasons[m.reason] ?? 0) + 1;
        if (holders.get(m.worker)?.token === m.token) holders.delete(m.worker);
        break;
      case '/error':
        counts.acquireErrors++;
        errorCodes[m.code ?? 'other'] = (errorCodes[m.code ?? 'other'] ?? 0) + 1;
        break;
      case '/write': {
        const s = store.get(m.resource) ?? { max: 0, accepted: [] };
        store.set(m.resource, s);
        // Fencing: a write with a token below the highest accepted one is refused.
        if (m.token >= s.max) {
          s.max = m.token;
          s.accepted.push(m.token);
          counts.writesAccepted++;
        } else {
          counts.writesRejected++;
          answer = { ok: false };
        }
        break;
      }
    }
    const body = JSON.stringify(answer);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
await new Promise((resolve) => control.listen(0, '127.0.0.1', resolve));
const controlEndpoint = `http://127.0.0.1:${control.address().port}`;

// --- workers ------------------------------------------------------------------------------------
const workers = new Map(); // id -> { child, paused }
let nextWorker = 0;
function startWorker() {
  const id = nextWorker++;
  const config = {
    id,
    endpoint: proxyEndpoint,
    control: controlEndpoint,
    tableName: TABLE,
    resources: RESOURCES,
    durationS: LEASE_MS / 1000,
    skewS: SKEW_MS / 1000,
    maxPollS: MAX_POLL_MS / 1000,
    logFile,
    dnsDownFile,
    unsafe: args.unsafe,
  };
  const child = spawn(process.execPath, [join(root, 'scripts', 'soak-worker.mjs'), JSON.stringify(config)], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1' },
  });
  workers.set(id, { child, paused: false });
  child.once('exit', () => workers.delete(id));
}
for (let i = 0; i < WORKERS; i++) startWorker();

// Whatever happens, no worker outlives the soak.
process.once('exit', () => {
  for (const { child } of workers.values()) {
    try {
      child.kill('SIGKILL');
    } catch {
      // gone
    }
  }
});

// --- chaos --------------------------------------------------------------------------------------
const kills = []; // { resource, token, at, serverExpires }
let pauses = 0;
const started = Date.now();
const chaosEnd = started + SECONDS * 1000;

async function serverExpiry(resource) {
  const { Item } = await dynamo.client.send(
    new GetItemCommand({ TableName: TABLE, Key: { resource_id: { S: resource } }, ConsistentRead: true }),
  );
  return { token: Number(Item?.fencing_token?.N), expires: Number(Item?.expires_ms?.N) };
}

async function chaosStep() {
  const action = pick(['kill', 'pause', 'fault', 'fault', 'outage', 'none']);
  const candidates = [...holders.entries()].filter(([id]) => workers.has(id) && !workers.get(id).paused);
  if (action === 'kill' && candidates.length > 0) {
    const [id, h] = pick(candidates);
    const w = workers.get(id);
    w.child.kill('SIGKILL');
    const at = Date.now();
    holders.delete(id);
    const server = await serverExpiry(h.resource);
    // Only a kill of the lease actually on the server must be recovered from.
    if (server.token === h.token)
      kills.push({ resource: h.resource, token: h.token, at, serverExpires: server.expires });
    startWorker();
  } else if (action === 'pause' && candidates.length > 0) {
    const [id] = pick(candidates);
    const w = workers.get(id);
    w.paused = true;
    pauses++;
    w.child.kill('SIGSTOP');
    // Past its lease, so another worker takes over while this one is frozen.
    setTimeout(() => {
      w.child.kill('SIGCONT');
      w.paused = false;
    }, LEASE_MS + random(500, 1_500));
  } else if (action === 'fault') {
    fault = { kind: pick(FAULTS), until: Date.now() + random(300, 1_500), rate: random(0.3, 0.9) };
    figures.faultBursts++;
  } else if (action === 'outage') {
    await outage(pick(OUTAGES), random(300, 2_500));
  }
}

/** DynamoDB is not there for `ms`, for every worker: refused, unresolvable, or silent. */
async function outage(kind, ms) {
  outages[kind]++;
  if (kind === 'silent') {
    fault = { kind: 'silent', until: Date.now() + ms, rate: 1 };
    return;
  }
  if (kind === 'dns') writeFileSync(dnsDownFile, '');
  else {
    await new Promise((resolve) => {
      proxy.close(resolve);
      proxy.closeAllConnections();
    });
  }
  // Kept-alive connections would hide the outage: new ones must be made (and looked up, or refused).
  proxy.closeAllConnections();
  await new Promise((resolve) => setTimeout(resolve, ms));
  if (kind === 'dns') rmSync(dnsDownFile, { force: true });
  else await new Promise((resolve) => proxy.listen(proxyPort, '127.0.0.1', resolve));
}

while (Date.now() < chaosEnd) {
  await new Promise((resolve) => setTimeout(resolve, random(300, 900)));
  await chaosStep();
}
fault = undefined;
// Quiet time: every lease killed near the end can still be recovered.
await new Promise((resolve) => setTimeout(resolve, LEASE_MS + SKEW_MS + RECOVERY_MARGIN_MS));

for (const w of workers.values()) {
  w.child.kill('SIGCONT');
  w.child.kill('SIGTERM');
}
await Promise.all(
  [...workers.values()].map(
    ({ child }) =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      }),
  ),
);
const ended = Date.now();

// --- verification -------------------------------------------------------------------------------
const entries = readFileSync(logFile, 'utf8')
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => JSON.parse(line));
const violations = { mutualExclusion: 0, fenceOrder: 0, unrecovered: 0, duplicateTokens: 0 };
const examples = [];

for (const resource of RESOURCES) {
  const acqs = entries.filter((e) => e.k === 'acq' && e.r === resource).sort((a, b) => a.tok - b.tok);
  for (let i = 1; i < acqs.length; i++) if (acqs[i].tok === acqs[i - 1].tok) violations.duplicateTokens++;
  // For each token, the earliest moment a later token's lease is known to have begun. A takeover
  // was admitted only because the previous lease had ended by the server's record before
  // `sent - skew`; after a release, the new lease began at the latest when its acquire returned.
  // When an earlier attempt of the acquire may have been applied unseen (`unsure`), the lock
  // reports a takeover it cannot be sure of and `sent` is the retry's: only `at` is known then.
  const laterStart = new Map();
  let min = Number.POSITIVE_INFINITY;
  for (let i = acqs.length - 1; i >= 0; i--) {
    laterStart.set(acqs[i].tok, min);
    min = Math.min(min, acqs[i].took && !acqs[i].unsure ? acqs[i].sent - SKEW_MS : acqs[i].at);
  }
  for (const e of entries) {
    if (e.k !== 'work' || e.r !== resource) continue;
    // The earliest send of a later token's winning write; the belief must predate it.
    const bound = laterStart.get(e.tok) ?? Number.NEGATIVE_INFINITY; // no 'acq' line: malformed, count it
    if (e.t >= bound) {
      violations.mutualExclusion++;
      if (examples.length < 5) examples.push({ resource, entry: e, laterLeaseBegan: bound });
    }
  }
  const accepted = store.get(resource)?.accepted ?? [];
  for (let i = 1; i < accepted.length; i++) if (accepted[i] < accepted[i - 1]) violations.fenceOrder++;
}

const recoveries = [];
for (const k of kills) {
  const next = acquisitions
    .filter((a) => a.resource === k.resource && a.token > k.token)
    .sort((a, b) => a.sentAt - b.sentAt)[0];
  const bound = k.at + LEASE_MS + SKEW_MS + RECOVERY_MARGIN_MS;
  if (next === undefined || next.sentAt > bound) {
    violations.unrecovered++;
    if (examples.length < 10) examples.push({ unrecovered: k, next });
  } else {
    recoveries.push(next.sentAt - k.at);
  }
}
recoveries.sort((a, b) => a - b);
const pct = (p) =>
  recoveries.length === 0
    ? 'n/a'
    : `${recoveries[Math.min(recoveries.length - 1, Math.floor(p * recoveries.length))]} ms`;

const total = Object.values(violations).reduce((a, b) => a + b, 0);
console.log(
  `soak: ${((ended - started) / 1000).toFixed(1)} s, ${WORKERS} workers, ${RESOURCES.length} resources, lease ${LEASE_MS} ms`,
);
console.log(`  acquisitions          ${counts.acquisitions} (log: ${entries.filter((e) => e.k === 'acq').length})`);
console.log(
  `  protected writes      ${counts.writesAccepted} accepted, ${counts.writesRejected} stale rejected by fencing`,
);
console.log(`  kills                 ${kills.length} of lease holders (SIGKILL)`);
console.log(`  pauses                ${pauses} (SIGSTOP past the lease, then SIGCONT)`);
console.log(
  `  fault bursts          ${figures.faultBursts}; ${figures.faultedRequests} of ${figures.proxied} requests faulted ${JSON.stringify(byKind)}`,
);
console.log(`  outages               ${JSON.stringify(outages)} (refused, unresolvable, silent)`);
console.log(
  `  leases lost (signal)  ${counts.lostReported} ${JSON.stringify(lostReasons)}; acquire errors ${counts.acquireErrors} ${JSON.stringify(errorCodes)}`,
);
console.log(
  `  recovery after kill   p50 ${pct(0.5)}, p99 ${pct(0.99)}, max ${recoveries.at(-1) ?? 'n/a'} ms (bound ${LEASE_MS + SKEW_MS + RECOVERY_MARGIN_MS} ms)`,
);
console.log(`  violations            ${total} ${JSON.stringify(violations)}`);
for (const e of examples) console.log('  example:', JSON.stringify(e));

proxy.closeAllConnections();
proxy.close();
control.closeAllConnections();
control.close();
await dynamo.stop();

let status = total === 0 && counts.acquisitions > 0 ? 0 : 1;
if (counts.acquisitions === 0) console.log('soak: FAILED: no acquisitions at all');

const modelRuns = Number(args['model-runs']);
if (status === 0 && modelRuns > 0) {
  console.log(`soak: model-based test, ${modelRuns} runs`);
  const model = spawnSync('npx', ['vitest', 'run', 'test/model'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, DLM_MODEL_RUNS: String(modelRuns), DLM_BACKENDS: 'dynalite' },
  });
  if (model.status !== 0) status = 1;
}
console.log(status === 0 ? 'soak: OK' : 'soak: FAILED');
process.exit(status);
