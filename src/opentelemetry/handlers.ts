import { DynamoDlmError } from '../errors.js';
import type { ElectionMessage, LockHooks, LockMessage } from '../events.js';

/** What a recorder does with each lock event it is given, and with an election's events. */
export interface Recorder {
  readonly lock: { readonly [K in keyof LockHooks]?: (message: LockMessage<K>) => void };
  election?(message: ElectionMessage): void;
}

/**
 * A low-cardinality name for an error (OpenTelemetry's `error.type`): the library's stable
 * `code`, else the SDK exception's name (`ProvisionedThroughputExceededException`), else a
 * network error's code (`ECONNRESET`), else `_OTHER`.
 */
export function errorType(error: unknown): string {
  if (error instanceof DynamoDlmError) return error.code;
  if (typeof error === 'object' && error !== null) {
    const { name, code } = error as { name?: unknown; code?: unknown };
    if (typeof name === 'string' && name !== '' && name !== 'Error') return name;
    if (typeof code === 'string' && code !== '') return code;
  }
  return '_OTHER';
}

/** Milliseconds as the seconds every instrument and attribute is in. */
export const seconds = (ms: number): number => ms / 1000;
