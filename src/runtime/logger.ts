/**
 * Anything with these four methods: `console`, pino, winston, a test spy.
 */
export interface Logger {
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
}

const ignore = (): void => {};

/** The default: warnings and errors to the console (as the original logged at WARNING), nothing else. */
export const consoleWarnings: Logger = {
  debug: ignore,
  info: ignore,
  warn: (message, ...args) => console.warn(`dynamo-dlm: ${message}`, ...args),
  error: (message, ...args) => console.error(`dynamo-dlm: ${message}`, ...args),
};

/** Pass `logger: false` to silence the lock; this is what it then uses. */
export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/** Swallows a rejection of whatever user code returned, if it returned a promise. */
export function ignoreRejection(result: unknown): void {
  if (typeof result === 'object' && result !== null && typeof (result as PromiseLike<unknown>).then === 'function') {
    (result as PromiseLike<unknown>).then(undefined, ignore);
  }
}

/**
 * The user's logger behind a shield: a logger whose method throws (or returns a promise that
 * rejects, as a transport with a full buffer may) must never stop the lock from doing what it
 * was logging about, such as aborting `lock.signal` after a lost lease.
 */
export function shieldLogger(logger: Logger): Logger {
  const call =
    (level: keyof Logger) =>
    (message: string, ...args: unknown[]): void => {
      try {
        ignoreRejection(logger[level](message, ...args));
      } catch {
        // Nowhere left to report it: the logger itself is what failed.
      }
    };
  return { debug: call('debug'), info: call('info'), warn: call('warn'), error: call('error') };
}

/** The logger a `logger` option stands for: the console's warnings by default, `false` for none. */
export function resolveLogger(option: Logger | false | undefined): Logger {
  return option === undefined ? consoleWarnings : option === false ? silentLogger : option;
}
