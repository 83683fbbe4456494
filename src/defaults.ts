import { InvalidArgumentError } from './errors.js';
import { checkSeconds, checkTableName } from './validate.js';

/** The built-in lease length, seconds (as in Python dynamo-dlm). */
export const DEFAULT_DURATION = 10;

/** The built-in table name (as in Python dynamo-dlm). */
export const DEFAULT_TABLE_NAME = 'dynamo_dlm_locks';

/** Module-level settings read when a lock is constructed. */
export interface Defaults {
  /**
   * Lease length in seconds for locks constructed without `duration`.
   * @default 10
   */
  duration: number;
  /**
   * Table for locks constructed without `tableName`.
   * @default 'dynamo_dlm_locks'
   */
  tableName: string;
}

const values: Defaults = { duration: DEFAULT_DURATION, tableName: DEFAULT_TABLE_NAME };

const checks: Record<keyof Defaults, (value: unknown, name: string) => unknown> = {
  duration: checkSeconds,
  tableName: checkTableName,
};

/**
 * The mutable module-level defaults (ES modules cannot assign to an imported binding, so this
 * replaces Python's `dlm.DEFAULT_DURATION = 5`). A bad value or an unknown key throws an
 * {@link InvalidArgumentError} at the assignment, not later at a lock.
 *
 * @example
 * import { defaults } from 'dynamo-dlm';
 * defaults.duration = 5;
 * defaults.tableName = 'my_dynamo_db_lock_table';
 */
export const defaults: Defaults = new Proxy(values, {
  set(target, key, value) {
    if (typeof key !== 'string' || !(key in checks)) {
      throw new InvalidArgumentError(`Unknown default \`${String(key)}\`; expected one of: duration, tableName`);
    }
    checks[key as keyof Defaults](value, `defaults.${key}`);
    (target as unknown as Record<string, unknown>)[key] = value;
    return true;
  },
  deleteProperty(_target, key) {
    throw new InvalidArgumentError(`Cannot delete \`defaults.${String(key)}\`; assign a value instead`);
  },
  defineProperty(_target, key) {
    throw new InvalidArgumentError(`Cannot define \`defaults.${String(key)}\`; assign a value instead`);
  },
});

/** Restores the built-in defaults (for tests and long-lived processes that changed them). */
export function resetDefaults(): void {
  values.duration = DEFAULT_DURATION;
  values.tableName = DEFAULT_TABLE_NAME;
}
