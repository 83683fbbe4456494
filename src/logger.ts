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
