import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { defaults } from '../defaults.js';
import { InvalidArgumentError } from '../errors.js';
import { HOOK_NAMES, type LockHooks } from '../events.js';
import type { TableLayout } from '../item/attributes.js';
import { defaultOwner } from '../item/budget.js';
import { type Logger, resolveLogger, shieldLogger } from '../runtime/logger.js';
import { hintIfMilliseconds } from './seconds-hint.js';
import {
  checkBoolean,
  checkClient,
  checkConcurrency,
  checkData,
  checkFunction,
  checkKeys,
  checkLogger,
  checkNonNegativeSeconds,
  checkObject,
  checkOwner,
  checkSeconds,
  checkTableLayout,
  checkTableName,
  MAX_RETENTION_SECONDS,
} from './validate.js';

/** Options of a {@link DynamoDbLock}. Every field is optional. */
export interface LockOptions {
  /**
   * Lease length in seconds (fractions allowed, millisecond precision). A holder that neither
   * releases nor renews loses the lock this long after acquiring it. At most 2147483.647
   * (about 24.8 days), the longest delay a Node timer holds; the same cap applies to every
   * other time below except `retention`.
   * @default defaults.duration (10)
   */
  readonly duration?: number;
  /**
   * The lock table: partition key `resource_id` (String), and with `tableLayout: 'slots'` sort
   * key `concurrency_id` (Number).
   * @default defaults.tableName ('dynamo_dlm_locks')
   */
  readonly tableName?: string;
  /**
   * How the table is keyed. `'single'`: one item per resource, no sort key (Python dynamo-dlm
   * 1.x tables). `'slots'`: one item per slot, sort key `concurrency_id` (Python dynamo-dlm 2.x
   * tables). The two are not interchangeable: a lock on a table of the other layout fails with a
   * {@link DynamoDbError} that names the fix.
   * @default defaults.tableLayout ('single')
   */
  readonly tableLayout?: TableLayout;
  /**
   * How many holders the resource admits at once (a counting semaphore, as Python dynamo-dlm
   * 2.x's `concurrency`): an integer from 1 to 1000. More than 1 needs `tableLayout: 'slots'`.
   * Each holder holds one slot (`lock.slot`), `0` to `concurrency - 1`, and a lock only ever
   * tries slots below its own `concurrency`: locks that disagree never admit more holders than
   * the largest `concurrency` among them.
   * @default defaults.concurrency (1)
   */
  readonly concurrency?: number;
  /**
   * Your `DynamoDBClient`, or a `DynamoDBDocumentClient` (`@aws-sdk/lib-dynamodb`) wrapping one:
   * the lock sends its own raw-attribute commands through either, so the document client's
   * marshalling options never touch the lock's attributes. Without one, a client built from the
   * default AWS configuration is created on first use and shared by all locks.
   * @default a shared client
   */
  readonly client?: DynamoDBClient;
  /**
   * Who holds the lease, written with every acquire, so that operators see it (`readLock`,
   * `dynamo-dlm status`) and a {@link LockLostError} names the owner that took the lease.
   * A label, not a credential: the lock tells its own leases apart by a fresh random code per
   * acquire, never by `owner`, so two locks may share one. A non-empty string of at most 128
   * UTF-8 bytes, without control characters or lone surrogates.
   * @default `${os.hostname()}:${process.pid}` (the host name cut to fit 128 bytes)
   */
  readonly owner?: string;
  /**
   * A small payload written with every acquire, and replaced while held by `lock.setData()`:
   * what the holder is doing, where to reach it. A string (`JSON.stringify` a structured value),
   * stored as a DynamoDB string. The resource id, `owner` and `data` may take 640 UTF-8 bytes
   * together, so that the lock item stays within one write unit (1 KB) and every renewal costs
   * one write unit.
   * @default none (an acquire removes the previous holder's data)
   */
  readonly data?: string;
  /**
   * Where warnings go (`console`, pino, ...), or `false` for silence.
   * @default warnings and errors to the console
   */
  readonly logger?: Logger | false;
  /**
   * Renew the lease in the background while held, until released or lost.
   * @default false (true in `withLock`)
   */
  readonly autoRenew?: boolean;
  /**
   * Seconds added to another holder's wall-clock expiry before this lock judges it expired,
   * covering clock disagreement between machines.
   * @default 1
   */
  readonly clockSkewAllowance?: number;
  /**
   * How long before the lease ends, by this process's monotonic clock, `lock.signal` aborts
   * when the lease has not been renewed: time for the work to stop while still protected.
   * @default the smaller of 2 s and a fifth of `duration`
   */
  readonly safetyMargin?: number;
  /**
   * With auto-renewal, seconds between renewals.
   * @default a third of `duration`
   */
  readonly renewInterval?: number;
  /**
   * Seconds after a lease ends (or after release) before DynamoDB's TTL may delete the item.
   * While the item exists, fencing tokens increase without any reliance on clocks. The `ttl`
   * written adds two clock allowances (`2 × (clockSkewAllowance + safetyMargin)`, 6 s by
   * default) to it, so that a writer's lagging clock cannot bring the deletion earlier than
   * `retention` by DynamoDB's clock, and the token counter a later acquire starts afresh still
   * exceeds the old one.
   *
   * Must be at least `clockSkewAllowance` plus `safetyMargin`. The TTL is written by the
   * holder's clock and applied by DynamoDB's, so a holder whose clock lags could otherwise see
   * TTL delete its live lease (and the next acquire pass `attribute_not_exists`). With this
   * floor, its clock must lag DynamoDB's by more than the skew allowance plus twice the margin
   * first: further than the lock's own clock assumption already allows. At most 366 days.
   * @default 86400 (one day)
   */
  readonly retention?: number;
  /**
   * While waiting for a lock held in another process, the longest interval, in seconds, between
   * the polls of the waiter at the head of the queue: it trades cost against hand-off delay.
   * The head polls every 87.5-97.5% of `maxPollInterval` once a release is overdue or unpredictable:
   * about `60 / (0.925 * maxPollInterval)` writes a minute, noticing a release within
   * `0.975 * maxPollInterval` (0.46 at the median); waiters behind it write about once per 30
   * intervals. Polling waiters (short holds) never wait longer than it between polls either.
   * A queued waiter that crashed or gave up is skipped after `2 * maxPollInterval` plus
   * `clockSkewAllowance` of the lock standing free.
   * @default 2
   */
  readonly maxPollInterval?: number;
  /**
   * Hooks for metrics and tracing; see {@link LockHooks}.
   * @default none
   */
  readonly hooks?: LockHooks;
}

/**
 * What a write adds to `retention` in the item's `ttl`: two clock allowances
 * (`clockSkewAllowance + safetyMargin` each). The ttl is written by the writer's clock and
 * applied by DynamoDB's, and once TTL deletes the item the next acquire starts a fresh token
 * counter from its own clock. That counter is above the old one unless the new acquirer's clock
 * is behind the old counter's creator's by more than the time between the two starts, which is
 * at least the ttl offset less the writer's lag behind DynamoDB. With one allowance for that lag
 * and one for the acquirer's, the two starts are at least `retention` plus an allowance apart,
 * against an allowed disagreement of one allowance: at the `retention` floor (one allowance)
 * the tokens hold with a whole allowance to spare. Without the pad, a releaser 2.9 s slow at
 * the 3 s floor let TTL delete the marker 0.1 s after the release, and the next token came out
 * lower than the last.
 */
export function ttlClockPadMs(skewMs: number, marginMs: number): number {
  return 2 * (skewMs + marginMs);
}

/** Everything a lock resolved from defaults and options, validated once. */
export interface ResolvedLockOptions {
  readonly durationMs: number;
  readonly tableName: string;
  readonly tableLayout: TableLayout;
  readonly concurrency: number;
  readonly client: DynamoDBClient | undefined;
  readonly logger: Logger;
  readonly autoRenew: boolean;
  readonly skewMs: number;
  readonly marginMs: number;
  readonly renewMs: number;
  /**
   * Seconds past a lease end (or a release) that every write puts in `ttl`: `retention` plus
   * {@link ttlClockPadMs}, so that TTL deletes no sooner than `retention` after it by DynamoDB's
   * clock, however the writer's clock lags within the allowance.
   */
  readonly retentionS: number;
  readonly maxPollMs: number;
  readonly hooks: LockHooks | undefined;
  readonly owner: string;
  readonly data: string | undefined;
}

export const LOCK_OPTION_KEYS: ReadonlySet<string> = new Set([
  'duration',
  'tableName',
  'tableLayout',
  'concurrency',
  'client',
  'logger',
  'autoRenew',
  'clockSkewAllowance',
  'safetyMargin',
  'renewInterval',
  'retention',
  'maxPollInterval',
  'hooks',
  'owner',
  'data',
]);

/** The time options besides `duration` (whose default may be the unit mistake too). */
const SECONDS_OPTIONS = ['clockSkewAllowance', 'safetyMargin', 'renewInterval', 'retention', 'maxPollInterval'];

/** @default clock-skew allowance, seconds */
export const DEFAULT_CLOCK_SKEW_ALLOWANCE = 1;
/** @default retention, seconds */
export const DEFAULT_RETENTION = 86_400;
/** @default maxPollInterval, seconds */
export const DEFAULT_MAX_POLL_INTERVAL = 2;

/**
 * Validates lock options against the current `defaults`; `data` is measured together with
 * `resourceId` and the owner, which share its byte budget.
 */
export function resolveLockOptions(input: unknown, where = 'lock options', resourceId = ''): ResolvedLockOptions {
  const o = input === undefined ? {} : checkObject(input, where);
  checkKeys(o, LOCK_OPTION_KEYS, where);
  const durationMs =
    o.duration === undefined ? Math.round(defaults.duration * 1000) : checkSeconds(o.duration, 'duration');
  const tableName = o.tableName === undefined ? defaults.tableName : checkTableName(o.tableName);
  const tableLayout = o.tableLayout === undefined ? defaults.tableLayout : checkTableLayout(o.tableLayout);
  const concurrency = o.concurrency === undefined ? defaults.concurrency : checkConcurrency(o.concurrency);
  if (concurrency > 1 && tableLayout !== 'slots') {
    // A 1.x table has one item per resource: there is nowhere to keep a second holder.
    throw new InvalidArgumentError(
      `Expected \`tableLayout\` to be 'slots' for \`concurrency\` ${concurrency}: a 'single' table (Python 1.x, no sort key) holds one holder per resource. Create a 'slots' table (createLockTable({ tableLayout: 'slots' })) and pass tableLayout: 'slots'`,
    );
  }
  if (o.client !== undefined) checkClient(o.client);
  if (o.logger !== undefined) checkLogger(o.logger);
  const autoRenew = o.autoRenew === undefined ? false : checkBoolean(o.autoRenew, 'autoRenew');
  const skewMs =
    o.clockSkewAllowance === undefined
      ? DEFAULT_CLOCK_SKEW_ALLOWANCE * 1000
      : checkNonNegativeSeconds(o.clockSkewAllowance, 'clockSkewAllowance');
  const marginMs =
    o.safetyMargin === undefined
      ? Math.min(2_000, Math.round(durationMs / 5))
      : checkNonNegativeSeconds(o.safetyMargin, 'safetyMargin');
  if (marginMs >= durationMs) {
    throw new InvalidArgumentError(
      `Expected \`safetyMargin\` to be less than \`duration\` (${durationMs / 1000} s), got ${marginMs / 1000} s`,
    );
  }
  // The default fits any lease, however short; only an explicit interval can be wrong.
  const renewMs =
    o.renewInterval === undefined
      ? Math.max(1, Math.min(Math.round(durationMs / 3), Math.floor((durationMs - marginMs) / 2)))
      : checkSeconds(o.renewInterval, 'renewInterval');
  if (o.renewInterval !== undefined && renewMs >= durationMs - marginMs) {
    throw new InvalidArgumentError(
      `Expected \`renewInterval\` to be less than \`duration\` minus \`safetyMargin\` (${(durationMs - marginMs) / 1000} s), got ${renewMs / 1000} s`,
    );
  }
  const retentionMs =
    o.retention === undefined
      ? DEFAULT_RETENTION * 1000
      : checkSeconds(o.retention, 'retention', MAX_RETENTION_SECONDS);
  if (retentionMs < skewMs + marginMs) {
    throw new InvalidArgumentError(
      `Expected \`retention\` to be at least \`clockSkewAllowance\` plus \`safetyMargin\` (${(skewMs + marginMs) / 1000} s), so that TTL never deletes a live lease, got ${retentionMs / 1000} s`,
    );
  }
  const maxPollMs =
    o.maxPollInterval === undefined
      ? DEFAULT_MAX_POLL_INTERVAL * 1000
      : checkSeconds(o.maxPollInterval, 'maxPollInterval', 3_600);
  let hooks: LockHooks | undefined;
  if (o.hooks !== undefined) {
    const h = checkObject(o.hooks, 'hooks');
    checkKeys(h, new Set(HOOK_NAMES), 'hooks');
    for (const [name, fn] of Object.entries(h)) if (fn !== undefined) checkFunction(fn, `hooks.${name}`);
    hooks = h as LockHooks;
  }
  const owner = o.owner === undefined ? defaultOwner() : checkOwner(o.owner);
  const data = o.data === undefined ? undefined : checkData(o.data, resourceId, owner);
  const logger = resolveLogger(o.logger as Logger | false | undefined);
  // Valid, but what a millisecond constant looks like: said once, and the values stand.
  const hint = shieldLogger(logger);
  hintIfMilliseconds(o.duration === undefined ? 'defaults.duration' : 'duration', durationMs / 1000, hint);
  for (const name of SECONDS_OPTIONS) if (typeof o[name] === 'number') hintIfMilliseconds(name, o[name], hint);
  return {
    durationMs,
    tableName,
    tableLayout,
    concurrency,
    client: o.client as DynamoDBClient | undefined,
    logger,
    autoRenew,
    skewMs,
    marginMs,
    renewMs,
    retentionS: Math.ceil((retentionMs + ttlClockPadMs(skewMs, marginMs)) / 1000),
    maxPollMs,
    hooks,
    owner,
    data,
  };
}
