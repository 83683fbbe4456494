import type { TestProject } from 'vitest/node';
import { startLocalDynamo } from '../../src/testing.js';
import type { BackendInfo } from './backends.js';

/**
 * Starts each DynamoDB implementation once for the whole run, on 127.0.0.1, and stops it by
 * handle (dynalite) or PID (DynamoDB Local) at the end. Test files create their own tables.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: (() => Promise<void>)[] = [];
  const backends: BackendInfo[] = [];

  const dynalite = await startLocalDynamo({ tableName: false });
  stops.push(dynalite.stop);
  backends.push({ name: 'dynalite', endpoint: dynalite.endpoint, returnsHolder: false, ttl: false, byteKeys: false });

  project.provide('backends', backends);
  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    backends: BackendInfo[];
  }
}
