import { describe, expect, test } from 'vitest';
import { DynamoDbError, InvalidArgumentError } from '../../src/errors.js';
import { isMissingPackage, loadDynalite } from '../../src/runtime/load-dynalite.js';

const notFound = (name: string): Error =>
  Object.assign(new Error(`Cannot find package '${name}' imported from /app/node_modules/x/index.js`), {
    code: 'ERR_MODULE_NOT_FOUND',
  });

describe('isMissingPackage', () => {
  test('the package itself not found, by ESM or CommonJS', () => {
    expect(isMissingPackage(notFound('dynalite'), 'dynalite')).toBe(true);
    const cjs = Object.assign(new Error("Cannot find module 'dynalite'"), { code: 'MODULE_NOT_FOUND' });
    expect(isMissingPackage(cjs, 'dynalite')).toBe(true);
  });

  test('not a dependency of it, nor any other failure', () => {
    expect(isMissingPackage(notFound('leveldown'), 'dynalite')).toBe(false);
    expect(isMissingPackage(new Error("Cannot find package 'dynalite'"), 'dynalite')).toBe(false);
    expect(isMissingPackage(undefined, 'dynalite')).toBe(false);
    expect(isMissingPackage('dynalite', 'dynalite')).toBe(false);
  });
});

describe('loadDynalite', () => {
  test('resolves with the server factory when dynalite is installed', async () => {
    expect(typeof (await loadDynalite(() => new InvalidArgumentError('unused')))).toBe('function');
  });

  test("missing: rejects with the caller's own error; broken: with a DynamoDbError that carries the cause", async () => {
    const missing = new DynamoDbError('install it');
    await expect(
      loadDynalite(
        () => missing,
        () => Promise.reject(notFound('dynalite')),
      ),
    ).rejects.toBe(missing);
    const broken = await loadDynalite(
      () => missing,
      () => Promise.reject(notFound('leveldown')),
    ).catch((e: unknown) => e);
    expect(broken).toBeInstanceOf(DynamoDbError);
    expect((broken as Error).message).toMatch(/^could not load `dynalite`: Cannot find package 'leveldown'/);
    expect((broken as Error).cause).toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' });
  });
});
