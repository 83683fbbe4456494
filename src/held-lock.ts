import type { TableLayout } from './item/attributes.js';
import type { DynamoDbLock } from './lock.js';

/**
 * The slot a held lock of this layout has: a number on a `'slots'` table, `undefined` on a
 * `'single'` one, either when the layout is not known where the lock was made (it may come
 * from `defaults.tableLayout`).
 */
export type HeldSlot<Layout extends TableLayout | undefined> = [Layout] extends ['slots']
  ? number
  : [Layout] extends ['single']
    ? undefined
    : number | undefined;

/**
 * A {@link DynamoDbLock} as `withLock` hands it to the work: acquired, so what an acquisition
 * sets is known and typed without `undefined`.
 *
 * - `fencingToken` is the token of this acquisition (it stays after the release, too);
 * - `expiresAt` is the current lease end, moved by each renewal;
 * - `slot` is the slot held: a number when the options said `tableLayout: 'slots'`,
 *   `undefined` when they said `'single'`.
 *
 * `expiresAt` and `slot` describe a held lock: a work that calls `lock.release()` itself (which
 * `withLock` does for it) finds them `undefined` afterwards, whatever this type says.
 *
 * @typeParam Layout - The `tableLayout` the lock was made with, where the call says it.
 */
export type HeldLock<Layout extends TableLayout | undefined = TableLayout | undefined> = DynamoDbLock & {
  readonly fencingToken: number;
  readonly expiresAt: Date;
  readonly slot: HeldSlot<Layout>;
};
