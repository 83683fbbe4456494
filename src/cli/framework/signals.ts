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

/**
 * Whether `run` passes `signal` on to its command. Ctrl-C on a terminal already reaches the
 * command (it is in the terminal's foreground process group, as `run` is): passing it on too
 * would deliver it twice, and a second SIGINT can interrupt the command's own clean-up (a
 * Python `finally`, for one). So on a terminal SIGINT is left to the terminal; everything else,
 * and SIGINT sent to `run` by a supervisor when no terminal is attached, is passed on. Pure.
 */
export function shouldForward(signal: NodeJS.Signals, onTerminal: boolean): boolean {
  return !(signal === 'SIGINT' && onTerminal);
}
