// Runs one cycle arm in a loop under the V8 profiler, server in another process:
//   node --cpu-prof --cpu-prof-dir=DIR bench/diagnose/profile-arm.mjs library|raw|byHand [cycles] [serverProfileDir]
//   node bench/diagnose/top-self.mjs DIR/*.cpuprofile
// With serverProfileDir, the dynalite process is profiled too.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { freshTable, makeClient } from '../lib/server.mjs';
import { startServerProcess } from '../lib/server-process.mjs';
import { cycleArms } from './arms.mjs';

const [arm = 'library', count = '2000', profileDir] = process.argv.slice(2);
const server = await startServerProcess({ profileDir });
const client = makeClient(server.endpoint);
const arms = cycleArms(client, await freshTable(client, 'prof'));
for (let i = 0; i < Number(count); i++) await arms[arm]();
client.destroy();
await server.stop();
