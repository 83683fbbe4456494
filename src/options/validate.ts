import { InvalidArgumentError } from '../errors.js';
import { CONTROL, dataBudget, HOLDER_BYTES, MAX_OWNER_BYTES, utf8Bytes } from '../item/budget.js';

/**
 * Validation shared by every entry point. Each check throws an {@link InvalidArgumentError}
 * naming the option, what was expected and what was given, before any request is sent.
 */

/** DynamoDB's limit on a partition key value, in UTF-8 bytes. */
export const MAX_RESOURCE_ID_BYTES = 2048;

/**
 * The longest delay a Node timer holds, ms (2^31-1, about 24.8 days): `setTimeout` fires a
 * longer delay at once. Every setting that ends up in a timer is capped here, and timer code
 * can clamp to it.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** {@link MAX_TIMER_MS} in seconds: the longest duration, interval, margin, allowance or timeout. */
export const MAX_TIMER_SECONDS = MAX_TIMER_MS / 1000;

/** Longest retention accepted, seconds (not a timer): longer is almost surely a unit mistake. */
export const MAX_RETENTION_SECONDS = 366 * 24 * 3600;

function describe(value: unknown): string {
  if (typeof value === 'string')
    return `${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)} (string)`;
  if (typeof value === 'bigint') return `${value}n (bigint)`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  return `\`${String(value)}\` (${typeof value})`;
}

/** Throws the {@link InvalidArgumentError} every check throws: what `name` should be, and what it was. */
export function fail(name: string, expected: string, value: unknown): never {
  throw new InvalidArgumentError(`Expected \`${name}\` to be ${expected}, got ${describe(value)}`);
}

/**
 * A resource id: a non-empty, well-formed string (no lone surrogate, which UTF-8 cannot carry
 * and the SDK would send as U+FFFD, so two ids would meet in one item) of at most 2048 UTF-8
 * bytes (DynamoDB's key limit).
 */
export function checkResourceId(value: unknown, name = 'resourceId'): string {
  const id = checkWellFormed(value, name);
  // dynalite counts UTF-16 units, DynamoDB counts UTF-8 bytes: check bytes here for both.
  checkBytes(id, name, MAX_RESOURCE_ID_BYTES);
  return id;
}

/** A non-empty string that UTF-8 can carry: no lone surrogate. */
function checkWellFormed(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) fail(name, 'a non-empty string', value);
  if (LONE_SURROGATE.test(value)) fail(name, 'a well-formed string (a lone surrogate has no UTF-8 form)', value);
  return value;
}

/** Refuses a string over `max` UTF-8 bytes. */
function checkBytes(value: string, name: string, max: number): void {
  const bytes = utf8Bytes(value);
  if (bytes > max) {
    throw new InvalidArgumentError(`Expected \`${name}\` to be at most ${max} UTF-8 bytes, got ${bytes} bytes`);
  }
}

/** A DynamoDB table name: 3-255 characters of `[A-Za-z0-9_.-]`. */
export function checkTableName(value: unknown, name = 'tableName'): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_.-]{3,255}$/.test(value)) {
    fail(name, 'a DynamoDB table name (3-255 characters of letters, digits, `_`, `-`, `.`)', value);
  }
  return value;
}

/** With the `u` flag a surrogate pair reads as one code point, so this matches only a lone half. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function range(max: number): string {
  return max === MAX_TIMER_SECONDS ? `${max}, the longest delay a Node timer holds` : String(max);
}

/**
 * A positive, finite number of seconds (fractions allowed, at least 1 ms), by default no more
 * than a timer holds ({@link MAX_TIMER_SECONDS}). Returns ms.
 */
export function checkSeconds(value: unknown, name: string, max = MAX_TIMER_SECONDS): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0.001 || value > max) {
    fail(name, `a positive number of seconds (0.001 to ${range(max)})`, value);
  }
  return Math.round(value * 1000);
}

/** A non-negative, finite number of seconds, by default no more than a timer holds. Returns ms. */
export function checkNonNegativeSeconds(value: unknown, name: string, max = MAX_TIMER_SECONDS): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
    fail(name, `a non-negative number of seconds (0 to ${range(max)})`, value);
  }
  return Math.round(value * 1000);
}

/**
 * The most slots a resource may have. Every slot of a resource shares its partition key, and so
 * one partition's 1,000 writes per second; a first sweep costs up to one write per slot.
 */
export const MAX_CONCURRENCY = 1000;

/** An integer from `min` to `max`: the one integer rule, for the options and the CLI's flags alike. */
export function checkInteger(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

/** How many holders a resource admits at once: an integer from 1 to {@link MAX_CONCURRENCY}. */
export function checkConcurrency(value: unknown, name = 'concurrency'): number {
  return checkInteger(value, name, 1, MAX_CONCURRENCY);
}

/** A table layout: `'single'` (Python 1.x, no sort key) or `'slots'` (Python 2.x, sort key `concurrency_id`). */
export function checkTableLayout(value: unknown, name = 'tableLayout'): 'single' | 'slots' {
  if (value !== 'single' && value !== 'slots') fail(name, "`'single'` or `'slots'`", value);
  return value;
}

export function checkBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') fail(name, 'a boolean', value);
  return value;
}

export function checkSignal(value: unknown, name = 'signal'): AbortSignal {
  if (!(value instanceof AbortSignal)) fail(name, 'an AbortSignal', value);
  return value;
}

export function checkObject(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(name, 'an object', value);
  return value as Record<string, unknown>;
}

/**
 * Rejects keys the call does not know: a mistyped option that silently fell back to a default
 * would be a safety bug in a lock.
 */
export function checkKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>, name: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) {
      throw new InvalidArgumentError(
        `Unknown option \`${key}\` in ${name}; expected one of: ${[...allowed].join(', ')}`,
      );
    }
  }
}

/** An object with the four logger methods, or `false` to silence. */
export function checkLogger(value: unknown, name = 'logger'): void {
  if (value === false) return;
  if (typeof value !== 'object' || value === null) fail(name, 'a logger (debug/info/warn/error) or false', value);
  for (const method of ['debug', 'info', 'warn', 'error']) {
    if (typeof (value as Record<string, unknown>)[method] !== 'function') {
      fail(name, `a logger with a \`${method}\` method, or false`, value);
    }
  }
}

/** Something that looks like a `DynamoDBClient` (checked by shape, so any SDK v3 copy works). */
export function checkClient(value: unknown, name = 'client'): void {
  if (typeof value !== 'object' || value === null || typeof (value as { send?: unknown }).send !== 'function') {
    fail(name, 'a DynamoDBClient (an object with a `send` method)', value);
  }
}

export function checkFunction(value: unknown, name: string): void {
  if (typeof value !== 'function') fail(name, 'a function', value);
}

/**
 * A lock's `owner`: a non-empty, well-formed string (a lone surrogate would reach DynamoDB as
 * U+FFFD) without control characters (it is shown on one line), of at most 128 UTF-8 bytes.
 */
export function checkOwner(value: unknown, name = 'owner'): string {
  const owner = checkWellFormed(value, name);
  if (CONTROL.test(owner)) fail(name, 'a string without control characters (it is shown on one line)', owner);
  checkBytes(owner, name, MAX_OWNER_BYTES);
  return owner;
}

/**
 * A lock's `data`: a well-formed string (possibly empty) that keeps the item within one write
 * unit: the resource id, owner and data together at most {@link HOLDER_BYTES} UTF-8 bytes.
 */
export function checkData(value: unknown, resourceId: string, owner: string, name = 'data'): string {
  if (typeof value !== 'string') fail(name, 'a string (JSON.stringify a structured value)', value);
  if (LONE_SURROGATE.test(value)) fail(name, 'a well-formed string (a lone surrogate has no UTF-8 form)', value);
  const bytes = utf8Bytes(value);
  const budget = dataBudget(resourceId, owner);
  if (bytes > budget) {
    throw new InvalidArgumentError(
      `Expected \`${name}\` to be at most ${Math.max(0, budget)} UTF-8 bytes, got ${bytes} bytes: the resource id ` +
        `(${utf8Bytes(resourceId)} bytes), the owner (${utf8Bytes(owner)} bytes) and the data may take ${HOLDER_BYTES} ` +
        'bytes together, so that the lock item stays within one write unit (1 KB)',
    );
  }
  return value;
}

/** A slot of a `'slots'` table: an integer from 0 to {@link MAX_CONCURRENCY} - 1. */
export function checkSlot(value: unknown, name = 'slot'): number {
  return checkInteger(value, name, 0, MAX_CONCURRENCY - 1);
}
