import { InvalidArgumentError } from './errors.js';
import type { TableLayout } from './item/attributes.js';
import { checkConcurrency, checkSeconds, checkTableLayout, checkTableName } from './options/validate.js';

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
  /**
   * Holders a resource admits at once, for locks constructed without `concurrency`. More than 1
   * needs `tableLayout: 'slots'` (checked when a lock is constructed).
   * @default 1
   */
  concurrency: number;
  /**
   * Key layout of the lock table, for locks and `createLockTable` calls without `tableLayout`.
   * @default 'single'
   */
  tableLayout: TableLayout;
}

const values: Defaults = {
  duration: DEFAULT_DURATION,
  tableName: DEFAULT_TABLE_NAME,
  concurrency: 1,
  tableLayout: 'single',
};

const checks: Record<keyof Defaults, (value: unknown, name: string) => unknown> = {
  duration: checkSeconds,
  tableName: checkTableName,
  concurrency: checkConcurrency,
  tableLayout: checkTableLayout,
};

const NAMES = Object.keys(checks).join(', ');

/** Only the defaults' own names: `toString` or `__proto__` are names on every object, not defaults. */
function checkName(key: string | symbol): keyof Defaults {
  if (typeof key !== 'string' || !Object.hasOwn(checks, key)) {
    throw new InvalidArgumentError(`Unknown default \`${String(key)}\`; expected one of: ${NAMES}`);
  }
  return key as keyof Defaults;
}

/**
 * The mutable module-level defaults (ES modules cannot assign to an imported binding, so this
 * replaces Python's `dlm.DEFAULT_DURATION = 5`). A bad value or an unknown key throws an
 * {@link InvalidArgumentError} at the assignment, not later at a lock.
 *
 * @example
 * import { defaults } from 'dynamo-dlm';
 * defaults.duration = 5; // seconds
 * defaults.tableName = 'my_dynamo_db_lock_table';
 * defaults.tableLayout = 'slots'; // a Python dynamo-dlm 2.x table
 * defaults.concurrency = 3;
 */
export const defaults: Defaults = new Proxy(values, {
  set(target, key, value) {
    const name = checkName(key);
    checks[name](value, `defaults.${name}`);
    (target as unknown as Record<string, unknown>)[name] = value;
    return true;
  },
  deleteProperty(_target, key) {
    throw new InvalidArgumentError(`Cannot delete \`defaults.${String(key)}\`; assign a value instead`);
  },
  defineProperty(_target, key) {
    throw new InvalidArgumentError(`Cannot define \`defaults.${String(key)}\`; assign a value instead`);
  },
  // Freezing, or swapping the prototype, would break later assignments or add inherited names.
  preventExtensions() {
    throw new InvalidArgumentError('Cannot freeze `defaults`; assign values instead');
  },
  setPrototypeOf() {
    throw new InvalidArgumentError('Cannot change the prototype of `defaults`');
  },
});

/** Restores the built-in defaults (for tests and long-lived processes that changed them). */
export function resetDefaults(): void {
  values.duration = DEFAULT_DURATION;
  values.tableName = DEFAULT_TABLE_NAME;
  values.concurrency = 1;
  values.tableLayout = 'single';
}
