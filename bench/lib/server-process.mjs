import { fork } from 'node:child_process';

/** Starts dynalite in a child process; resolves to `{ endpoint, stop }`. */
export async function startServerProcess() {
  const child = fork(new URL('../workers/server-process.mjs', import.meta.url), { stdio: 'inherit' });
  const { endpoint } = await new Promise((resolve) => child.once('message', resolve));
  return {
    endpoint,
    stop: () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      return exited;
    },
  };
}
