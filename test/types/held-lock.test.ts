/**
 * Type tests of what is known once a lock is held (src/held-lock.ts): inside `withLock`'s work
 * and `onElected`, the acquisition has happened, so its fencing token is a number, not
 * `number | undefined`. Checked by the compiler (`npm run typecheck`); the callbacks are never
 * called, since a call would reach for AWS.
 */
import { describe, expectTypeOf, test } from 'vitest';
import {
  type DynamoDbLock,
  type HeldLock,
  LeaderElection,
  type Leadership,
  type TableLayout,
  type WithLockOptions,
  withLock,
} from '../../src/index.js';

describe("withLock's work gets a held lock", () => {
  test('fencingToken is a number and expiresAt a Date; the rest is the lock', () => {
    const call = () =>
      withLock('id', (lock) => {
        expectTypeOf(lock).toEqualTypeOf<HeldLock<undefined>>();
        expectTypeOf(lock.fencingToken).toEqualTypeOf<number>();
        expectTypeOf(lock.expiresAt).toEqualTypeOf<Date>();
        expectTypeOf(lock.signal).toEqualTypeOf<AbortSignal>();
        expectTypeOf(lock.tookOver).toEqualTypeOf<boolean>();
        expectTypeOf(lock).toExtend<DynamoDbLock>();
        return lock.fencingToken;
      });
    expectTypeOf(call).returns.toEqualTypeOf<Promise<number>>();
    // Outside withLock nothing is known: a bare lock may never have been acquired.
    expectTypeOf<DynamoDbLock['fencingToken']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<DynamoDbLock['expiresAt']>().toEqualTypeOf<Date | undefined>();
  });

  test('the slot is a number on a slots table, undefined on a single one, either when the options do not say', () => {
    const slots = () => withLock('id', (lock) => lock.slot, { tableLayout: 'slots', concurrency: 3 });
    const single = () => withLock('id', (lock) => lock.slot, { tableLayout: 'single' });
    // defaults.tableLayout may be 'slots': without the option the layout is not known here.
    const unsaid = () => withLock('id', (lock) => lock.slot);
    const options: WithLockOptions = { tableLayout: 'slots' };
    const widened = () => withLock('id', (lock) => lock.slot, options);
    expectTypeOf(slots).returns.toEqualTypeOf<Promise<number>>();
    expectTypeOf(single).returns.toEqualTypeOf<Promise<undefined>>();
    expectTypeOf(unsaid).returns.toEqualTypeOf<Promise<number | undefined>>();
    expectTypeOf(widened).returns.toEqualTypeOf<Promise<number | undefined>>();
    expectTypeOf<HeldLock<TableLayout>['slot']>().toEqualTypeOf<number | undefined>();
  });

  test('a work written against DynamoDbLock still fits, and options stay closed', () => {
    const work = async (lock: DynamoDbLock) => lock.fencingToken;
    expectTypeOf(() => withLock('id', work)).returns.toEqualTypeOf<Promise<number | undefined>>();
    // @ts-expect-error a mistyped option is still a compile error
    expectTypeOf(() => withLock('id', work, { durration: 5 })).toBeFunction();
    // @ts-expect-error a layout is one of two names
    expectTypeOf(() => withLock('id', work, { tableLayout: 'sorted' })).toBeFunction();
  });
});

describe("onElected gets the term's lease, held", () => {
  test('term and fencingToken are numbers, tookOver a boolean', () => {
    expectTypeOf<Leadership['fencingToken']>().toEqualTypeOf<number>();
    expectTypeOf<Leadership['term']>().toEqualTypeOf<number>();
    expectTypeOf<Leadership['tookOver']>().toEqualTypeOf<boolean>();
    expectTypeOf(LeaderElection).toBeConstructibleWith('scheduler', {
      onElected: (leadership) => {
        expectTypeOf(leadership).toEqualTypeOf<Leadership>();
        expectTypeOf(leadership.fencingToken).toEqualTypeOf<number>();
      },
    });
  });
});
