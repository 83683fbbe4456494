import { DynamoDbError, TableNotFoundError } from '../errors.js';

/** Turns an SDK error from the CLI's own reads and writes into the library's typed errors. */
export function wrapReadError(error: unknown, tableName: string, operation: string): Error {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'ResourceNotFoundException') return new TableNotFoundError(tableName, { cause: error });
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new DynamoDbError(`${operation} on \`${tableName}\` failed: ${detail}`, { cause: error });
}
