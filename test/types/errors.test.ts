/**
 * Type tests of narrowing errors by their code (src/errors.ts): each class has its literal
 * `code`, `AnyDynamoDlmError` is the union of them, and `isDynamoDlmError` narrows an unknown
 * value to it, or straight to the class of a code. Checked by the compiler (`npm run typecheck`).
 */
import { describe, expectTypeOf, test } from 'vitest';
import {
  type AnyDynamoDlmError,
  type DynamoDlmError,
  type ErrorCode,
  type ErrorOfCode,
  isDynamoDlmError,
  type LockLostError,
  type LostReason,
  type TableNotFoundError,
  type ThrottledError,
} from '../../src/index.js';

describe('narrowing by code', () => {
  test("isDynamoDlmError with a code narrows to that code's class", () => {
    const handle = (error: unknown) => {
      if (isDynamoDlmError(error, 'LOCK_LOST')) {
        expectTypeOf(error).toEqualTypeOf<LockLostError>();
        expectTypeOf(error.reason).toEqualTypeOf<LostReason>();
      }
      if (isDynamoDlmError(error, 'TABLE_NOT_FOUND')) expectTypeOf(error.tableName).toEqualTypeOf<string>();
      // @ts-expect-error a code that is no error code does not compile
      isDynamoDlmError(error, 'LOCK_LSOT');
    };
    expectTypeOf(handle).toBeFunction();
  });

  test('checking code on the union narrows to the class, in an if or a switch', () => {
    const handle = (error: unknown) => {
      if (!isDynamoDlmError(error)) return;
      expectTypeOf(error).toEqualTypeOf<AnyDynamoDlmError>();
      if (error.code === 'LOCK_LOST') expectTypeOf(error.reason).toEqualTypeOf<LostReason>();
      switch (error.code) {
        case 'THROTTLED':
          expectTypeOf(error).toEqualTypeOf<ThrottledError>();
          break;
        case 'TABLE_NOT_FOUND':
          expectTypeOf(error).toEqualTypeOf<TableNotFoundError>();
          break;
      }
      // @ts-expect-error `reason` belongs to LockLostError only
      error.reason;
    };
    expectTypeOf(handle).toBeFunction();
  });

  test('the union has one class per code, every code, and each class its literal code', () => {
    expectTypeOf<AnyDynamoDlmError['code']>().toEqualTypeOf<ErrorCode>();
    expectTypeOf<AnyDynamoDlmError>().toExtend<DynamoDlmError>();
    expectTypeOf<LockLostError['code']>().toEqualTypeOf<'LOCK_LOST'>();
    expectTypeOf<ErrorOfCode<'LOCK_LOST'>>().toEqualTypeOf<LockLostError>();
    // No code without a class: a new code needs its class in the union.
    type Orphans = { [C in ErrorCode]: [ErrorOfCode<C>] extends [never] ? C : never }[ErrorCode];
    expectTypeOf<Orphans>().toBeNever();
    // The base class keeps the whole union of codes, for instanceof users.
    expectTypeOf<DynamoDlmError['code']>().toEqualTypeOf<ErrorCode>();
  });
});
