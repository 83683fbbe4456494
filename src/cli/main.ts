#!/usr/bin/env node
/**
 * The `dynamo-dlm` command. The only module of the package that calls `process.exit`.
 */
import { main } from './cli.js';
import { processIo } from './io.js';
import { quietSdkNodeVersionWarning } from './quiet-sdk-warning.js';

quietSdkNodeVersionWarning();
process.exit(await main(process.argv.slice(2), processIo()));
