// How long each way of DynamoDB being missing, silent or wrong takes to settle, and what the
// caller is told: one child process per case and build, so that a call that never settles is
// cut off at the cap without disturbing the others, and each build has its own module state.
//
//   npm run build && node bench/diagnose/failure-modes.mjs [--before <dist of another build>] [--cap <s>] [--only <text>]
//
// With --before, every case runs on that build first and then on this tree's dist/, and the two
// are printed side by side. To compare with main: build main's sources into a scratch directory
// (git archive main | tar -x -C <dir>, link node_modules, npx tsc -p tsconfig.build.json) and
// pass <dir>/dist. Nothing here leaves 127.0.0.1: the refusing endpoint is a closed port, the
// silent one accepts and never answers, the unknown host is under the reserved .invalid TLD.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

const CREDENTIALS = { accessKeyId: 'diagnose', secretAccessKey: 'diagnose' };

/** Every case: what it does, given the library, a client factory and the endpoints. */
const CASES = {
  'refused: acquire({ blocking: false })': ({ lib, client, at }) =>
    lock(lib, client(at.refused)).acquire({ blocking: false }),
  'refused: acquire({ timeout: 3 })': ({ lib, client, at }) => lock(lib, client(at.refused)).acquire({ timeout: 3 }),
  'refused: withLock({ timeout: 2 })': ({ lib, client, at }) =>
    lib.withLock('diagnose', () => 'ran', { client: client(at.refused), timeout: 2, logger: false }),
  'refused: acquire() for 8 s (the warnings)': async ({ lib, client, at, warnings, logger }) => {
    try {
      return await lock(lib, client(at.refused), logger).acquire({ signal: AbortSignal.timeout(8_000) });
    } finally {
      warnings.summary = `${warnings.length} warnings; last: ${warnings.at(-1) ?? 'none'}`;
    }
  },
  'unknown host: acquire()': ({ lib, client, at }) =>
    lock(lib, client(at.unknownHost)).acquire({ signal: AbortSignal.timeout(20_000) }),
  'unknown host: acquire({ blocking: false })': ({ lib, client, at }) =>
    lock(lib, client(at.unknownHost)).acquire({ blocking: false }),
  'no region: acquire()': ({ lib, client }) =>
    lock(lib, client(undefined, { region: undefined })).acquire({ signal: AbortSignal.timeout(20_000) }),
  'no credentials: acquire()': ({ lib, client, at }) =>
    lock(lib, client(at.refused, { credentials: noCredentials })).acquire({ signal: AbortSignal.timeout(20_000) }),
  'TLS failure: acquire()': ({ lib, client, at }) =>
    lock(lib, client(at.plainAsTls)).acquire({ signal: AbortSignal.timeout(20_000) }),
  'missing table: acquire()': ({ lib, client, at }) =>
    lock(lib, client(at.dynalite), undefined, 'no_such_table').acquire({ signal: AbortSignal.timeout(20_000) }),
  'silent: acquire({ blocking: false })': ({ lib, client, at }) =>
    lock(lib, client(at.silent)).acquire({ blocking: false }),
  'silent: acquire({ timeout: 3 })': ({ lib, client, at }) => lock(lib, client(at.silent)).acquire({ timeout: 3 }),
  'silent: createLockTable()': ({ lib, client, at }) => lib.createLockTable({ client: client(at.silent) }),
  'no region: LeaderElection.start() and its end': async ({ lib, client }) => {
    const election = new lib.LeaderElection('diagnose', {
      client: client(undefined, { region: undefined }),
      duration: 2,
      logger: false,
    });
    const events = election.events();
    const ended = (async () => {
      for await (const _ of events) {
        // drain
      }
    })();
    await election.start();
    // start() resolved: the campaign goes on in the background; settled once it stops by itself.
    await ended;
    return 'the election stopped by itself';
  },
  'events() taken before start(), then stop()': async ({ lib, client, at }) => {
    const election = new lib.LeaderElection('diagnose', { client: client(at.refused), logger: false });
    const events = election.events();
    await election.stop();
    const next = await events.next();
    return next.done ? 'the iterator ended' : `an event: ${next.value?.type}`;
  },
  'no region: run --elect': ({ at }) => cli(['run', 'diagnose', '--elect', '--endpoint', at.unknownHost, '--', 'true']),
};

const noCredentials = () =>
  Promise.reject(
    Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    }),
  );

function lock(lib, client, logger = false, tableName = 'diagnose_locks') {
  return new lib.DynamoDbLock('diagnose', { client, tableName, duration: 3, logger });
}

let cliPath;
let cliEnv;
/** Runs the CLI of the build under test; resolves with its exit code and last stderr line. */
async function cli(args) {
  const child = spawn(process.execPath, [cliPath, ...args], { env: cliEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const [code] = await once(child, 'exit');
  const last = stderr.trim().split('\n').at(-1) ?? '';
  return `exit ${code}: ${last}`;
}

// --- one case, in a child ------------------------------------------------------------------------
async function runOne(name, dist, capS) {
  const lib = await import(pathToFileURL(join(dist, 'index.js')).href);
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { startLocalDynamo } = await import(pathToFileURL(join(dist, 'testing.js')).href);
  cliPath = join(dist, 'cli', 'main.js');
  const { AWS_REGION: _r, AWS_DEFAULT_REGION: _d, ...env } = process.env;
  cliEnv = { ...env, AWS_ACCESS_KEY_ID: 'diagnose', AWS_SECRET_ACCESS_KEY: 'diagnose' };
  const listen = async (server) => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return server.address().port;
  };
  const closed = createServer();
  const refusedPort = await listen(closed);
  closed.close();
  // Accepts every connection and never answers.
  const silent = createServer(() => undefined);
  const silentPort = await listen(silent);
  // Speaks plain text where the client expects TLS.
  const plain = createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
  const plainPort = await listen(plain);
  const dynalite = name.startsWith('missing table') ? await startLocalDynamo() : undefined;
  const at = {
    refused: `http://127.0.0.1:${refusedPort}`,
    silent: `http://127.0.0.1:${silentPort}`,
    plainAsTls: `https://127.0.0.1:${plainPort}`,
    unknownHost: 'http://dynamodb.example.invalid:8000',
    dynalite: dynalite?.endpoint,
  };
  const client = (endpoint, overrides = {}) =>
    new DynamoDBClient({
      region: 'us-east-1',
      credentials: CREDENTIALS,
      maxAttempts: 1,
      ...(endpoint === undefined ? {} : { endpoint }),
      ...overrides,
    });
  const warnings = [];
  const logger = { warn: (m) => warnings.push(String(m)), info() {}, debug() {}, error() {} };
  const started = performance.now();
  const report = (outcome) => {
    const ms = Math.round(performance.now() - started);
    process.stdout.write(
      `${JSON.stringify({ ms, outcome: warnings.summary ? `${outcome}; ${warnings.summary}` : outcome })}\n`,
    );
    process.exit(0);
  };
  setTimeout(() => report(`still pending after ${capS} s`), capS * 1000);
  try {
    const value = await CASES[name]({ lib, client, at, warnings, logger });
    report(`resolved ${JSON.stringify(value)}`);
  } catch (error) {
    report(`rejected ${describe(error)}`);
  }
}

function describe(error) {
  if (!(error instanceof Error)) return String(error);
  const code = error.code === undefined ? '' : ` [${error.code}]`;
  const cause = error.cause instanceof Error ? `; cause ${error.cause.name}: ${error.cause.message}` : '; no cause';
  return `${error.name}${code}: ${error.message}${cause}`.replace(/\s+/g, ' ');
}

// --- the parent ------------------------------------------------------------------------------
function child(name, dist, capS) {
  return new Promise((done) => {
    const proc = spawn(
      process.execPath,
      [fileURLToPath(import.meta.url), '--child', name, '--dist', dist, '--cap', String(capS)],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    let out = '';
    proc.stdout.on('data', (chunk) => {
      out += chunk;
    });
    // A child that cannot even report is killed a little after its cap.
    const kill = setTimeout(() => proc.kill('SIGKILL'), (capS + 10) * 1000);
    proc.on('exit', () => {
      clearTimeout(kill);
      try {
        done(JSON.parse(out.trim().split('\n').at(-1)));
      } catch {
        done({ ms: Number.NaN, outcome: 'the child reported nothing' });
      }
    });
  });
}

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    dist: { type: 'string' },
    before: { type: 'string' },
    cap: { type: 'string', default: '30' },
    only: { type: 'string' },
  },
});
const capS = Number(values.cap);
if (values.child !== undefined) {
  await runOne(values.child, values.dist, capS);
} else {
  const builds = [
    ...(values.before === undefined ? [] : [['before', resolve(values.before)]]),
    ['after', join(root, 'dist')],
  ];
  console.log(`failure modes: settle time (ms) and what the caller is told; cap ${capS} s per case`);
  for (const name of Object.keys(CASES)) {
    if (values.only !== undefined && !name.includes(values.only)) continue;
    console.log(`\n${name}`);
    for (const [label, dist] of builds) {
      const r = await child(name, dist, capS);
      console.log(`  ${label.padEnd(6)} ${String(r.ms).padStart(6)} ms  ${r.outcome.slice(0, 260)}`);
    }
  }
}
