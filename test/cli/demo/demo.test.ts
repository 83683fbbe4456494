import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, test } from 'vitest';
import { main } from '../../../src/cli/cli.js';
import { checkHolds } from '../../../src/cli/demo/check.js';
import { COUNTER_KEY, DEMO_WORKER_COMMAND, type WorkerMessage } from '../../../src/cli/demo/worker.js';
import { clientFor, dynalite, freshTable } from '../../support/backends.js';
import { runCli } from '../cli-process.js';
import { fakeIo } from '../fake-io.js';

describe('dynamo-dlm demo', () => {
  test('workers contend for one lock, one dies holding it, and the computed verdict is zero violations', async () => {
    const result = await runCli(['demo', '--workers', '3', '--increments', '8']);
    expect(result.stderr).not.toContain('NodeVersionSupportWarning');
    expect(result.code).toBe(0);
    const out = result.stdout;
    // The worker holding the lock when the counter reached 4 was killed before its increment;
    // its unfinished share is simply not done, everything else is.
    const counter = Number(/final counter\s+(\d+) \(expected (\d+)\)/.exec(out)?.[1]);
    expect(out).toMatch(new RegExp(`final counter\\s+${counter} \\(expected ${counter}\\)`));
    expect(counter).toBeGreaterThanOrEqual(16);
    expect(counter).toBeLessThan(24);
    // One acquisition per increment, plus the crashed holder's.
    expect(out).toMatch(new RegExp(`acquisitions\\s+${counter + 1}\\n`));
    expect(out).toMatch(/crashed holders\s+1 /);
    // The others had increments left, so one of them took the abandoned lease over.
    expect(out).toMatch(/takeovers\s+1 /);
    expect(out).toMatch(/overlapping holds\s+0\n/);
    expect(out).toMatch(
      new RegExp(`${counter + 1} values for ${counter + 1} acquisitions; strictly increasing in hold order: yes`),
    );
    expect(out).toContain('mutual-exclusion violations: 0');
    // Attempts include every refused write: at least one per acquisition.
    const attempts = Number(/attempts\s+(\d+) conditional writes/.exec(out)?.[1]);
    expect(attempts).toBeGreaterThanOrEqual(counter + 1);
    // Progress went to stderr, ending at the total.
    expect(result.stderr).toContain(`${counter}/${counter} increments`);
  });

  test('--no-crash: every worker finishes, nothing is taken over', async () => {
    const result = await runCli(['demo', '--workers', '2', '--increments', '5', '--no-crash']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/acquisitions\s+10\n/);
    expect(result.stdout).toMatch(/final counter\s+10 \(expected 10\)/);
    expect(result.stdout).not.toContain('crashed holders');
    expect(result.stdout).toContain('mutual-exclusion violations: 0');
  });

  test('bad numbers are usage errors', async () => {
    const result = await runCli(['demo', '--workers', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Expected `--workers` to be an integer from 1 to 16');
  });
});

describe('the demo worker, in-process', () => {
  test('increments the counter under the lock, fenced, and reports each hold', async () => {
    const backend = dynalite();
    const client = clientFor(backend);
    try {
      const locks = await freshTable(client, 'demo_locks');
      const data = await freshTable(client, 'demo_data');
      const io = fakeIo();
      const argv = ['--endpoint', backend.endpoint, '--table', locks, '--data-table', data, '--worker', '3'];
      expect(await main([DEMO_WORKER_COMMAND, ...argv, '--increments', '3'], io)).toBe(0);
      const messages = io.stdout.map((line) => JSON.parse(line) as WorkerMessage);
      expect(messages.map((m) => m.type)).toEqual(['progress', 'progress', 'progress', 'done']);
      const holds = messages.flatMap((m) => (m.type === 'progress' ? [m.hold] : []));
      expect(holds.map((h) => h.worker)).toEqual([3, 3, 3]);
      expect(checkHolds(holds)).toEqual({ overlaps: 0, tokenOrderErrors: 0 });
      expect(messages.at(-1)).toMatchObject({ type: 'done', attempts: 3, waits: 0, staleWrites: 0, takeovers: 0 });
      const { Item } = await client.send(
        new GetItemCommand({ TableName: data, Key: { resource_id: { S: COUNTER_KEY } }, ConsistentRead: true }),
      );
      expect(Item?.value?.N).toBe('3');
      // A stale holder's write (a token not greater than the stored one) is refused and counted.
      await client.send(
        new UpdateItemCommand({
          TableName: data,
          Key: { resource_id: { S: COUNTER_KEY } },
          UpdateExpression: 'SET fencing_token = :big',
          ExpressionAttributeValues: { ':big': { N: String(Number.MAX_SAFE_INTEGER) } },
        }),
      );
      const stale = fakeIo();
      expect(await main([DEMO_WORKER_COMMAND, ...argv, '--increments', '1'], stale)).toBe(0);
      expect(JSON.parse(stale.stdout.at(-1) ?? '')).toMatchObject({ type: 'done', staleWrites: 1 });
      await expect(main([DEMO_WORKER_COMMAND, '--endpoint', backend.endpoint], fakeIo())).resolves.toBe(2);
    } finally {
      client.destroy();
    }
  });
});
