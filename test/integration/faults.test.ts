import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { backends, clientFor, freshTable } from '../support/backends.js';
import { FaultInjector } from '../support/faults.js';

describe.each(backends())('fault injection on $name', (backend) => {
  const faults = new FaultInjector();
  const client = clientFor(backend, { requestHandler: faults.handler });
  let tableName: string;
  beforeAll(async () => {
    tableName = await freshTable(client);
  });
  afterAll(() => client.destroy());

  test('the injector answers with real SDK errors and records every request', async () => {
    const put = () => client.send(new PutItemCommand({ TableName: tableName, Item: { resource_id: { S: 'probe' } } }));
    faults.inject({ kind: 'throttle' }, { operation: 'PutItem' });
    await expect(put()).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
    faults.inject({ kind: 'server-error', status: 503 });
    await expect(put()).rejects.toMatchObject({ $metadata: { httpStatusCode: 503 } });
    faults.inject({ kind: 'reset', applied: true });
    await expect(put()).rejects.toMatchObject({ code: 'ECONNRESET' });
    faults.inject({ kind: 'timeout', ms: 5 });
    await expect(put()).rejects.toMatchObject({ name: 'TimeoutError' });
    await put();
    expect(faults.requests.map((r) => r.fault)).toEqual(
      expect.arrayContaining(['throttle', 'server-error', 'reset', 'timeout', undefined]),
    );
    expect(faults.pending).toBe(0);
  });
});
