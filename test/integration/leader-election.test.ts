// LeaderElection in this process against the real lock, on each server. Elections across
// processes (crashes, pauses, signals) are in leader-election-processes.test.ts.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ElectionEvent, LeaderElection } from '../../src/index.js';
import { backends, clientFor, freshTable } from '../support/backends.js';
import { delay } from './helpers.js';

/** The lease, seconds. */
const DURATION = 2;

/** Prints a measured figure with the test output; figures are reported, never asserted tightly. */
function figure(name: string, ms: number): void {
  console.log(`[figure] ${name}: ${Math.round(ms)} ms`);
}

describe.each(backends())('leader election in one process on $name', (backend) => {
  const client = clientFor(backend);
  let tableName: string;

  beforeAll(async () => {
    tableName = await freshTable(client, 'elect');
  });
  afterAll(() => client.destroy());

  test('an election in this process against the real lock: events, isLeader, stop', async () => {
    const election = new LeaderElection('in-process', { client, tableName, duration: DURATION, logger: false });
    const events: ElectionEvent[] = [];
    const reading = (async () => {
      for await (const e of election.events()) events.push(e);
    })();
    await election.start();
    expect(election.isLeader()).toBe(true);
    const rival = new LeaderElection('in-process', { client, tableName, duration: DURATION, logger: false });
    await rival.start();
    expect(rival.isLeader()).toBe(false);
    const handedAt = performance.now();
    await election.stop();
    await reading;
    for (let i = 0; i < 100 && !rival.isLeader(); i++) await delay(20);
    figure(`${backend.name} in-process handover after stop()`, performance.now() - handedAt);
    expect(rival.isLeader()).toBe(true);
    expect(rival.leadership!.term).toBeGreaterThan((events[0] as { term: number }).term);
    expect(events.map((e) => e.type)).toEqual(['elected', 'deposed']);
    await rival.stop();
    expect(rival.isLeader()).toBe(false);
  }, 30_000);
});
