#!/usr/bin/env node
/**
 * The `dynamo-dlm` command. The only module of the package that calls `process.exit`.
 */
import { main } from './cli.js';
import { processIo } from './framework/io.js';

const io = processIo();
// The AWS SDK warns on Node 20 that its future releases will need Node 22: nothing this command
// can act on, and it would clutter every run. The SDK's own switch turns it off, in this process
// only: the environment `run` gives its command was taken above, as the user set it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const code = await main(process.argv.slice(2), io);
// Exit once stdout and stderr have flushed: writes to pipes are asynchronous on some platforms
// (macOS), and an immediate exit could cut a piped summary short.
let pending = 2;
const exit = (): void => {
  if (--pending === 0) process.exit(code);
};
process.stdout.write('', exit);
process.stderr.write('', exit);
