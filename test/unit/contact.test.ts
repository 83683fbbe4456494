/**
 * First contact: an acquire DynamoDB never answered never reports the lock as busy, errors that
 * retrying cannot fix fail at once, and a busy lock is reported with what refused it.
 */
import { describe, expect, test } from 'vitest';
import { ATTEMPT_TIMEOUT_MS } from '../../src/acquire/acquire-loop.js';
import { lastRefusal } from '../../src/acquire/contact.js';
import { LockUnavailableError, MisconfiguredError, UnreachableError } from '../../src/errors.js';
import { withClock } from '../../src/runtime/test-seam.js';
import { withLock } from '../../src/with-lock.js';
import { recordingLogger } from '../integration/helpers.js';
import { conditionFailed, FakeClient, reset } from '../support/fake-client.js';
import { FakeClock } from '../support/fake-clock.js';
import { setup, WALL } from '../support/lock-harness.js';

const refused = (): Error => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
const unknownHost = (): Error =>
  Object.assign(new Error('getaddrinfo ENOTFOUND dynamodb.example.invalid'), { code: 'ENOTFOUND' });

/** How a promise settled, without an unhandled rejection while the clock is being advanced. */
function outcome<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

describe('an acquire that never had an answer never says the lock is busy', () => {
  test('a timeout that runs out against a refusing endpoint rejects with UnreachableError, the refusal as cause', async () => {
    const { clock, fake, lock } = setup();
    fake.otherwise('acquire', () => refused());
    const result = outcome(lock.acquire({ timeout: 3 }));
    await clock.advance(3_000);
    const { value, error } = await result;
    expect(value).toBeUndefined();
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as UnreachableError).cause).toBeInstanceOf(Error);
    expect(((error as UnreachableError).cause as { code?: string }).code).toBe('ECONNREFUSED');
    expect((error as Error).message).toMatch(
      /acquire of `res` never reached DynamoDB: none of its \d+ writes got an answer/,
    );
    expect(fake.of('acquire').length).toBeGreaterThan(1);
    // A refused connection sent nothing: there is nothing to clear.
    expect(fake.of('release')).toHaveLength(0);
    expect(lock.locked()).toBe(false);
  });

  test('blocking: false against a refusing endpoint rejects with UnreachableError after its three attempts', async () => {
    const { clock, fake, lock } = setup();
    fake.otherwise('acquire', () => refused());
    const result = outcome(lock.acquire({ blocking: false }));
    await clock.advance(5_000);
    const { error } = await result;
    expect(error).toBeInstanceOf(UnreachableError);
    expect(fake.of('acquire')).toHaveLength(3);
  });

  test('a hung write at the deadline, with nothing answered: UnreachableError, and the clean-up is cut short', async () => {
    const { clock, fake, lock, t0 } = setup();
    fake.otherwise('acquire', () => 'hang');
    fake.otherwise('release', () => 'hang');
    let settled: number | undefined;
    const result = outcome(lock.acquire({ timeout: 2 })).finally(() => {
      settled = clock.monotonic();
    });
    await clock.advance(2_000 + 1_000);
    const { error } = await result;
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as Error).message).toMatch(/: its one write got no answer in 2\.0 s; the last error: AbortError/);
    expect(fake.of('release')).toHaveLength(1);
    expect(fake.of('release')[0]?.at).toBe(t0 + 2_000);
    // One second of clean-up, not a whole request timeout (5 s).
    expect(settled).toBe(t0 + 3_000);
  });

  test('once DynamoDB answered, a timeout that ends in errors is a busy lock: false, and the error is the cause', async () => {
    const { clock, fake, lock } = setup();
    fake.script('acquire', conditionFailed());
    fake.otherwise('acquire', () => reset());
    const result = outcome(lock.acquire({ timeout: 2 }));
    await clock.advance(2_000);
    expect(await result).toEqual({ value: false });
    expect((lastRefusal(lock) as { code?: string }).code).toBe('ECONNRESET');
  });

  test('a write cut off at the deadline is not the cause when something was heard before it', async () => {
    const { clock, fake, lock } = setup();
    const refusal = conditionFailed();
    fake.script('acquire', refusal, 'hang');
    const result = outcome(lock.acquire({ timeout: 1 }));
    await clock.advance(1_000);
    expect(await result).toEqual({ value: false });
    expect(fake.of('acquire')[1]?.signal?.aborted).toBe(true);
    expect(lastRefusal(lock)).toBe(refusal);
  });

  test('a timeout that cuts its one write short, through a client DynamoDB answered before, is a timeout: false', async () => {
    const { clock, fake, lock } = setup();
    expect(await lock.acquire()).toBe(true);
    await lock.release();
    fake.script('acquire', 'hang');
    const result = outcome(lock.acquire({ timeout: 0.05 }));
    await clock.advance(50);
    expect(await result).toEqual({ value: false });
    expect(fake.of('acquire')).toHaveLength(2);
  });

  test('a new client whose one write a 0.5 s timeout cut short: a timeout too, not proof of an unreachable DynamoDB', async () => {
    const { clock, fake, lock } = setup();
    fake.otherwise('acquire', () => 'hang');
    const result = outcome(lock.acquire({ timeout: 0.5 }));
    await clock.advance(500 + 1_000);
    expect(await result).toEqual({ value: false });
  });

  test('the same client whose write then stays unanswered for a whole second: UnreachableError', async () => {
    const { clock, fake, lock } = setup();
    expect(await lock.acquire()).toBe(true);
    await lock.release();
    fake.script('acquire', 'hang');
    const result = outcome(lock.acquire({ timeout: 1 }));
    await clock.advance(1_000 + 1_000);
    expect((await result).error).toBeInstanceOf(UnreachableError);
  });

  test('a blocking acquire keeps retrying a refusing endpoint, and each warning names the error', async () => {
    const { clock, fake, lock, log } = setup();
    fake.otherwise('acquire', () => refused());
    const controller = new AbortController();
    const result = outcome(lock.acquire({ signal: controller.signal }));
    await clock.advance(30_000);
    controller.abort();
    await clock.advance(0);
    expect((await result).error).toBeDefined();
    expect(fake.of('acquire').length).toBeGreaterThan(10);
    const warnings = log.warnings().filter((w) => /transient DynamoDB failure interrupted acquire/.test(w));
    expect(warnings.length).toBe(fake.of('acquire').length);
    expect(warnings.every((w) => w.includes('Error: connect ECONNREFUSED 127.0.0.1:9'))).toBe(true);
  });
});

describe('errors that retrying cannot fix fail at once, even for a blocking acquire', () => {
  test.each([
    ['no region', () => new Error('Region is missing')],
    [
      'no credentials',
      () => Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' }),
    ],
    ['a TLS failure', () => Object.assign(new Error('write EPROTO wrong version number'), { code: 'EPROTO' })],
    [
      'access denied',
      () =>
        Object.assign(new Error('not authorized'), {
          name: 'AccessDeniedException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        }),
    ],
    ['an unknown host', unknownHost],
  ])('%s: MisconfiguredError with the SDK error as cause, after one write', async (_name, make) => {
    const { clock, fake, lock } = setup();
    const sdkError = make();
    fake.otherwise('acquire', () => sdkError);
    const result = outcome(lock.acquire());
    await clock.advance(0);
    const { error } = await result;
    expect(error).toBeInstanceOf(MisconfiguredError);
    expect((error as MisconfiguredError).cause).toBe(sdkError);
    expect(fake.of('acquire')).toHaveLength(1);
  });

  test('an unknown host through a client DynamoDB has answered before is a resolver hiccup: retried', async () => {
    const { clock, fake, lock } = setup();
    expect(await lock.acquire()).toBe(true);
    await lock.release();
    fake.script('acquire', unknownHost(), unknownHost());
    const result = outcome(lock.acquire());
    await clock.advance(1_000);
    expect(await result).toEqual({ value: true });
    expect(fake.of('acquire')).toHaveLength(4);
  });
});

describe('withLock: a busy lock is reported with what refused it', () => {
  /** withLock on a fake client and clock (the clock seam rides on the very options object passed). */
  function withFake(reply: () => Error, acquire: { timeout?: number; blocking?: boolean }) {
    const clock = new FakeClock(WALL);
    const fake = new FakeClient(clock.monotonic);
    fake.otherwise('acquire', reply);
    const options = withClock({ client: fake.asClient, duration: 3, logger: recordingLogger(), ...acquire }, clock);
    return { clock, run: () => outcome(withLock('res', () => 'ran', options)) };
  }

  test('a timeout: LockUnavailableError whose cause is the last refusal', async () => {
    const refusal = conditionFailed();
    const { clock, run } = withFake(() => refusal, { timeout: 2 });
    const result = run();
    await clock.advance(2_000);
    const { error } = await result;
    expect(error).toBeInstanceOf(LockUnavailableError);
    expect((error as Error).cause).toBe(refusal);
  });

  test('blocking: false: LockUnavailableError whose cause is the refusal', async () => {
    const refusal = conditionFailed();
    const { clock, run } = withFake(() => refusal, { blocking: false });
    const result = run();
    await clock.advance(0);
    expect(((await result).error as Error).cause).toBe(refusal);
  });

  test('DynamoDB never answered: the UnreachableError itself, not a busy lock', async () => {
    const { clock, run } = withFake(refused, { timeout: 2 });
    const result = run();
    await clock.advance(2_000 + ATTEMPT_TIMEOUT_MS);
    expect((await result).error).toBeInstanceOf(UnreachableError);
  });
});
