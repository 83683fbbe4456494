// Type-checked by scripts/check-package.mjs with module nodenext: CommonJS TypeScript importing
// dynamo-dlm/opentelemetry compiles to require(), which Node 20.19+ supports.
import { instrumentLocks, type LockInstrumentation } from 'dynamo-dlm/opentelemetry';

export const instrumentation: LockInstrumentation = instrumentLocks();
