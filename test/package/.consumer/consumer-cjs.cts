// Type-checked by scripts/check-package.mjs with module nodenext: a CommonJS TypeScript file
// importing the ESM-only package compiles to require(), which Node 20.19+ supports.
import { DynamoDbLock, withLock } from 'dynamo-dlm';

export const lock: DynamoDbLock = new DynamoDbLock('r', { duration: 5 });
export const run = (): Promise<number> => withLock('r', () => 1);
