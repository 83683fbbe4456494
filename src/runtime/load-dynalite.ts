import { DynamoDbError, type DynamoDlmError } from '../errors.js';

/** dynalite's server factory. */
export type Dynalite = typeof import('dynalite').default;

/**
 * Loads dynalite, an optional peer dependency, for the testing helper and `dynamo-dlm local`.
 * When dynalite itself is not installed, rejects with `missing(cause)`: each caller says in its
 * own words what to install. Any other failure to load it (a broken install, a missing
 * dependency of dynalite's) rejects with a {@link DynamoDbError} that carries the cause. `load`
 * is the import itself (tests give one that fails).
 */
export async function loadDynalite(
  missing: (cause: unknown) => DynamoDlmError,
  load: () => Promise<{ default: Dynalite }> = () => import('dynalite'),
): Promise<Dynalite> {
  try {
    return (await load()).default;
  } catch (error) {
    if (isMissingPackage(error, 'dynalite')) throw missing(error);
    throw new DynamoDbError(`could not load \`dynalite\`: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Whether an import failed because the package `name` is not installed, rather than one of its
 * own dependencies (Node names the package it could not find: "Cannot find package 'x'").
 */
export function isMissingPackage(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    message.includes(`'${name}'`)
  );
}
