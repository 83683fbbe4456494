/** The signals the CLI passes on to a command, or that end a long-running command. */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Calls `handler` on each of `signals` until the returned function is called. While installed,
 * the signals no longer kill this process by default: the handler decides.
 */
export function onSignals(signals: readonly NodeJS.Signals[], handler: (signal: NodeJS.Signals) => void): () => void {
  for (const signal of signals) process.on(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}

/** Resolves with the first of `signals` this process receives. */
export function nextSignal(signals: readonly NodeJS.Signals[]): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const off = onSignals(signals, (signal) => {
      off();
      resolve(signal);
    });
  });
}
