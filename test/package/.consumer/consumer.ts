// Type-checked by scripts/check-package.mjs in a throwaway project, once with moduleResolution
// node16 and once with bundler, against the installed tarball's declarations (skipLibCheck off).
import {
  type AcquireOptions,
  DynamoDbLock,
  type DynamoDlmError,
  defaults,
  type ErrorCode,
  LockLostError,
  type LockOptions,
  type LostReason,
  withLock,
} from 'dynamo-dlm';
import { type LocalDynamo, startLocalDynamo } from 'dynamo-dlm/testing';

export async function main(): Promise<number> {
  defaults.duration = 5;
  const local: LocalDynamo = await startLocalDynamo();
  const options: LockOptions = { client: local.client, duration: 5, autoRenew: true };
  const wait: AcquireOptions = { timeout: 1, signal: AbortSignal.timeout(5_000) };
  const lock = new DynamoDbLock('r', options);
  const held: boolean = await lock.acquire(wait);
  const token: number | undefined = lock.fencingToken;
  const signal: AbortSignal = lock.signal;
  // @ts-expect-error a mistyped option is a type error, not a silent default
  new DynamoDbLock('r', { durration: 5 });
  // @ts-expect-error duration is seconds as a number
  new DynamoDbLock('r', { duration: '5' });
  try {
    await lock.release();
  } catch (error) {
    if (error instanceof LockLostError) {
      const reason: LostReason = error.reason;
      const code: ErrorCode = error.code;
      const base: DynamoDlmError = error;
      console.log(reason, code, base.message);
    }
  }
  const n: string = await withLock('r', async (l) => `${l.fencingToken}`, { client: local.client, timeout: 3 });
  await local.stop();
  return held && !signal.aborted ? (token ?? 0) + n.length : 0;
}
