import { hostname } from 'node:os';

/**
 * What a lock item may hold so that every write to it costs one write unit. DynamoDB bills a
 * write by the larger of the item's size before and after it, in 1 KB steps, counting each
 * attribute's name and value (strings in UTF-8 bytes, numbers at most 21 bytes). A renewal
 * rewrites the whole item's worth, so an item over 1 KB doubles the cost of every renewal,
 * not only of the write that made it large.
 */

/** The item size one write unit covers. */
export const WRITE_UNIT_BYTES = 1024;

/**
 * Bytes set aside for the lock's own attributes: every attribute name (`resource_id`, `owner`
 * and `data` included) and every value but those three. Every number the lock writes is a safe
 * integer, at most 9 bytes stored (16 digits); with the queue's and the averages' attributes,
 * `concurrency_id` on a 'slots' table and a 32-character owner code they need under 300 bytes;
 * the rest leaves room for attributes a later version adds, so that data accepted today is not
 * refused after an upgrade. A unit test checks the reserve against the attributes the lock writes.
 */
export const OWN_ATTRIBUTES_BYTES = 384;

/** What the resource id, `owner` and `data` may take together, UTF-8 bytes: 640. */
export const HOLDER_BYTES = WRITE_UNIT_BYTES - OWN_ATTRIBUTES_BYTES;

/** The longest `owner`, UTF-8 bytes: room for a host name, a process id and a role. */
export const MAX_OWNER_BYTES = 128;

export function utf8Bytes(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

/**
 * The most `data` a lock on `resourceId` held by `owner` may carry, UTF-8 bytes: what is left
 * of {@link HOLDER_BYTES}. Negative when the id and owner alone leave no room.
 */
export function dataBudget(resourceId: string, owner: string): number {
  return HOLDER_BYTES - utf8Bytes(resourceId) - utf8Bytes(owner);
}

/** Control characters: an owner is shown on one line (the CLI, logs), so it may hold none. */
export const CONTROL = /\p{Cc}/u;

/**
 * The owner a lock writes when the caller names none: `host:pid`, so that an operator can tell
 * which process holds a lock. Cut to {@link MAX_OWNER_BYTES} (whole code points) and stripped
 * of control characters, so that an odd host name never makes a lock fail to construct.
 */
export function defaultOwner(host: string = hostname(), pid: number = process.pid): string {
  const suffix = `:${pid}`;
  const name = host.replace(new RegExp(CONTROL.source, 'gu'), '') || 'unknown-host';
  let out = '';
  for (const char of name) {
    if (utf8Bytes(out + char + suffix) > MAX_OWNER_BYTES) break;
    out += char;
  }
  return out + suffix;
}
