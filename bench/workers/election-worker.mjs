// One campaigner of the election scenario: a LeaderElection on its own SDK client, counting the
// writes its lock makes (through the lock's hooks) and telling the bench, over IPC, when it is
// elected or deposed (on the system-wide monotonic clock). `counts` asks for the write counts;
// `stop` resigns (stop()) and exits.
import { LeaderElection } from '../../dist/index.js';
import { makeClient } from '../lib/server.mjs';
import { nowMs } from '../lib/stats.mjs';

const { endpoint, tableName, name, duration } = JSON.parse(process.argv[2]);
const client = makeClient(endpoint);
// If the bench dies, do not linger.
process.once('disconnect', () => process.exit(0));
const counts = { acquired: 0, contended: 0, extended: 0, throttled: 0, released: 0 };
const hooks = Object.fromEntries(Object.keys(counts).map((k) => [k, () => counts[k]++]));

const election = new LeaderElection(name, {
  client,
  tableName,
  duration,
  logger: false,
  hooks,
  onElected: ({ term, tookOver }) => process.send({ type: 'elected', at: nowMs(), term, tookOver, pid: process.pid }),
  onDeposed: (reason, { term }) => process.send({ type: 'deposed', at: nowMs(), reason, term, pid: process.pid }),
});

process.on('message', async (m) => {
  if (m.type === 'counts') process.send({ type: 'counts', counts: { ...counts }, pid: process.pid });
  if (m.type === 'stop') {
    const at = nowMs();
    await election.stop();
    process.send({ type: 'stopped', at, pid: process.pid }, () => {
      client.destroy();
      process.disconnect();
    });
  }
});

await election.start();
process.send({ type: 'campaigning', isLeader: election.isLeader(), pid: process.pid });
