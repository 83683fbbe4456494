import { InvalidArgumentError } from '../errors.js';
import { MAX_TRANSACT_ITEMS } from '../item/transact-requests.js';
import { checkResourceId } from '../options/validate.js';

/**
 * Validation of what goes into a transaction, before any request: the ids of a multi-lock and
 * the caller's items of a lock-checked write. Each check throws an {@link InvalidArgumentError}.
 */

/**
 * A multi-lock's resource ids: an array of 1 to 100 distinct resource ids (one transaction
 * acquires them all, and DynamoDB takes at most 100 actions per transaction, none two on one
 * item).
 */
export function checkResourceIds(value: unknown, name = 'resourceIds'): readonly string[] {
  if (!Array.isArray(value)) {
    throw new InvalidArgumentError(`Expected \`${name}\` to be an array of resource ids, got ${typeof value}`);
  }
  if (value.length === 0) {
    throw new InvalidArgumentError(`Expected \`${name}\` to hold at least one resource id, got an empty array`);
  }
  if (value.length > MAX_TRANSACT_ITEMS) {
    throw new InvalidArgumentError(
      `Expected \`${name}\` to hold at most ${MAX_TRANSACT_ITEMS} resource ids (one DynamoDB transaction takes at most ${MAX_TRANSACT_ITEMS} items), got ${value.length}`,
    );
  }
  const ids = value.map((id, i) => checkResourceId(id, `${name}[${i}]`));
  const seen = new Map<string, number>();
  ids.forEach((id, i) => {
    const first = seen.get(id);
    if (first !== undefined) {
      throw new InvalidArgumentError(
        `Expected \`${name}\` to be distinct, got ${JSON.stringify(id)} at ${first} and ${i} (a transaction cannot write one item twice)`,
      );
    }
    seen.set(id, i);
  });
  return Object.freeze(ids);
}

const ACTIONS = ['Put', 'Update', 'Delete', 'ConditionCheck'] as const;
/** The members of a raw attribute value (`AttributeValue`): exactly one of them is set. */
const TYPES = new Set(['S', 'N', 'B', 'SS', 'NS', 'BS', 'M', 'L', 'NULL', 'BOOL']);

/** Whether `value` is a raw attribute value: an object with exactly one type member. */
function isAttributeValue(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && TYPES.has(keys[0] as string);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object without a type member (S, N, B, M, L, ...)';
  return `${JSON.stringify(value)} (${typeof value})`;
}

/**
 * The caller's items of a lock-checked write, with `checks` of the lock's own to be appended.
 * Each item holds exactly one action (`Put`, `Update`, `Delete` or `ConditionCheck`) naming a
 * table; together at most 100 actions. With `form: 'raw'` (sent through `DynamoDBClient`)
 * every key, item and expression value must be a raw attribute value (`{ S: 'x' }`): a plain
 * value is the document client's form, which `TransactWriteItemsCommand` would reject or, worse,
 * store as something else.
 */
export function checkTransactItems(value: unknown, form: 'raw' | 'document', checks: number): readonly object[] {
  if (!Array.isArray(value)) {
    throw new InvalidArgumentError(
      `Expected \`items\` to be an array of TransactWriteItems elements, got ${typeof value}`,
    );
  }
  if (value.length + checks > MAX_TRANSACT_ITEMS) {
    throw new InvalidArgumentError(
      `Expected at most ${MAX_TRANSACT_ITEMS - checks} \`items\` (a transaction takes ${MAX_TRANSACT_ITEMS} actions, and the lock adds ${checks}), got ${value.length}`,
    );
  }
  value.forEach((item: unknown, i) => {
    const where = `items[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new InvalidArgumentError(`Expected \`${where}\` to be an object with one of ${ACTIONS.join(', ')}`);
    }
    const present = ACTIONS.filter((a) => (item as Record<string, unknown>)[a] !== undefined);
    const action = present[0];
    if (present.length !== 1 || action === undefined) {
      throw new InvalidArgumentError(
        `Expected \`${where}\` to hold exactly one of ${ACTIONS.join(', ')}, got ${present.length === 0 ? 'none' : present.join(' and ')}`,
      );
    }
    const body = (item as Record<string, unknown>)[action];
    if (typeof body !== 'object' || body === null || typeof (body as { TableName?: unknown }).TableName !== 'string') {
      throw new InvalidArgumentError(`Expected \`${where}.${action}\` to be an object with a \`TableName\``);
    }
    if (form === 'raw') checkRawValues(body as Record<string, unknown>, `${where}.${action}`);
  });
  return value;
}

function checkRawValues(body: Record<string, unknown>, where: string): void {
  for (const map of ['Key', 'Item', 'ExpressionAttributeValues']) {
    const values = body[map];
    if (values === undefined) continue;
    if (typeof values !== 'object' || values === null || Array.isArray(values)) {
      throw new InvalidArgumentError(`Expected \`${where}.${map}\` to be a map of attribute values`);
    }
    for (const [name, v] of Object.entries(values)) {
      if (!isAttributeValue(v)) {
        throw new InvalidArgumentError(
          `Expected \`${where}.${map}.${name}\` to be a DynamoDB attribute value such as { S: 'text' } or { N: '42' }, got ${describeValue(v)}. ` +
            "That is the document client's form (plain values): send it through lib-dynamodb's TransactWriteCommand with " +
            '`transactWrite(items, { send: (input) => documentClient.send(new TransactWriteCommand(input)) })`',
        );
      }
    }
  }
}

/** A lock item a lock-checked write checks: its table and its key (raw attribute values). */
export interface CheckedItem {
  readonly tableName: string;
  readonly key: Record<string, { S?: string; N?: string }>;
}

/** A key's values as plain strings, from either form, in a fixed order. */
function keyOf(key: unknown): string | undefined {
  if (typeof key !== 'object' || key === null) return undefined;
  const parts = Object.entries(key as Record<string, unknown>).map(([name, v]) => {
    const plainValue =
      typeof v === 'object' && v !== null ? ((v as { S?: unknown; N?: unknown }).S ?? (v as { N?: unknown }).N) : v;
    return `${name}=${String(plainValue)}`;
  });
  return parts.sort().join('\n');
}

/**
 * None of the caller's items may touch a lock item the write checks: DynamoDB refuses two
 * actions on one item in a transaction, and a write to the lock item would be a write to the lock.
 */
export function checkNotOnLockItems(items: readonly object[], checked: readonly CheckedItem[]): void {
  const locked = new Set(checked.map((c) => `${c.tableName}\n${keyOf(c.key)}`));
  items.forEach((item, i) => {
    for (const action of ACTIONS) {
      const body = (item as Record<string, Record<string, unknown> | undefined>)[action];
      if (body === undefined) continue;
      const key = action === 'Put' ? pick(body.Item, checked[0]?.key) : body.Key;
      if (locked.has(`${String(body.TableName)}\n${keyOf(key)}`)) {
        throw new InvalidArgumentError(
          `Expected \`items[${i}]\` not to touch the lock item it is checked against (${String(body.TableName)}): a transaction takes one action per item`,
        );
      }
    }
  });
}

/** The attributes of `item` named in `key` (a `Put`'s item, reduced to its key). */
function pick(item: unknown, key: object | undefined): unknown {
  if (typeof item !== 'object' || item === null || key === undefined) return undefined;
  return Object.fromEntries(Object.keys(key).map((name) => [name, (item as Record<string, unknown>)[name]]));
}
