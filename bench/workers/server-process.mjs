// dynalite in a process of its own, for diagnostics that must measure the client's CPU alone.
// Sends its endpoint over IPC; stops when the parent disconnects.
import { startServer } from '../lib/server.mjs';

const server = await startServer();
process.send({ endpoint: server.endpoint });
process.once('disconnect', () => server.stop());
