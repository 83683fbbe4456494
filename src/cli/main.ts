#!/usr/bin/env node
/**
 * The `dynamo-dlm` command. The only module of the package that calls `process.exit`.
 */
import { main } from './cli.js';
import { processIo, quietSdkNodeVersionWarning } from './framework/io.js';

quietSdkNodeVersionWarning();
const code = await main(process.argv.slice(2), processIo());
// Exit once stdout and stderr have flushed: writes to pipes are asynchronous on some platforms
// (macOS), and an immediate exit could cut a piped summary short.
let pending = 2;
const exit = (): void => {
  if (--pending === 0) process.exit(code);
};
process.stdout.write('', exit);
process.stderr.write('', exit);
