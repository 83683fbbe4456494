import { fork } from 'node:child_process';

/**
 * Starts dynalite in a child process; resolves to `{ endpoint, stop }`. With `profileDir`, the
 * server runs under the V8 profiler and writes its .cpuprofile there when stopped.
 */
export async function startServerProcess({ profileDir } = {}) {
  const execArgv = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
  const child = fork(new URL('../workers/server-process.mjs', import.meta.url), { stdio: 'inherit', execArgv });
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
