import { createLockTable } from '../../table.js';
import { startLocalDynamo } from '../../testing.js';
import { parseInteger } from '../framework/args.js';
import { defineCommand } from '../framework/command.js';
import { CONNECTION_FLAGS, resolveTableLayout, resolveTableName, TABLE_FLAG } from '../framework/config.js';
import { EXIT } from '../framework/exit-codes.js';
import { PREFIX } from '../framework/io.js';
import { needsDynalite } from '../framework/needs-dynalite.js';
import { nextSignal } from '../framework/signals.js';

/** The shell lines that point the AWS SDK and this CLI at a local endpoint. Pure. */
export function exportLines(endpoint: string, tableName: string, tableLayout: string): string[] {
  return [
    `export AWS_ENDPOINT_URL_DYNAMODB=${endpoint}`,
    'export AWS_REGION=us-east-1',
    'export AWS_ACCESS_KEY_ID=local',
    'export AWS_SECRET_ACCESS_KEY=local',
    `export DYNAMO_DLM_TABLE=${tableName}`,
    `export DYNAMO_DLM_TABLE_LAYOUT=${tableLayout}`,
  ];
}

/** `dynamo-dlm local`: dynalite on 127.0.0.1 until SIGINT or SIGTERM. */
export const localCommand = defineCommand({
  name: 'local',
  summary: 'run an embedded DynamoDB (dynalite) on 127.0.0.1 for development',
  description: `Runs an embedded DynamoDB (dynalite) on 127.0.0.1, creates the lock table, prints the
environment variables that point the AWS SDK and this CLI at it, and stays up until SIGINT or
SIGTERM. Needs the dynalite package, an optional peer dependency that is not installed with
dynamo-dlm: \`npm install --save-dev dynalite\` beside it, or, with nothing installed,
\`npx -p dynamo-dlm -p dynalite dynamo-dlm local\`.`,
  flags: {
    port: {
      type: 'string',
      value: 'N',
      help: 'port (pick one to keep the endpoint across restarts)',
      default: 'a free one',
    },
    path: { type: 'string', value: 'DIR', help: 'keep the data on disk in DIR', default: 'in memory' },
    table: { ...TABLE_FLAG, help: 'lock table to create' },
    'table-layout': {
      ...CONNECTION_FLAGS['table-layout'],
      help: "the lock table's key layout: single, or slots (for run --concurrency)",
    },
  },
  async run({ io, flags }) {
    const port = parseInteger('port', flags.port, 0, 65_535) ?? 0;
    const tableName = resolveTableName(flags.table, io.env);
    const tableLayout = resolveTableLayout(flags['table-layout'], io.env);
    await needsDynalite('local');
    // Listen for the signals before starting, so that one arriving during start-up still stops cleanly.
    const stopSignal = nextSignal(['SIGINT', 'SIGTERM']);
    const local = await startLocalDynamo({
      tableName: false,
      port,
      ...(flags.path === undefined ? {} : { path: flags.path }),
    });
    try {
      await createLockTable({ client: local.client, tableName, tableLayout });
      for (const line of exportLines(local.endpoint, tableName, tableLayout)) io.out(line);
      io.err(
        `${PREFIX} dynalite listening on ${local.endpoint}, table ${tableName} (layout ${tableLayout}), ${flags.path === undefined ? 'in memory' : `data in ${flags.path}`}; Ctrl-C to stop`,
      );
      io.err(`${PREFIX} ${await stopSignal}: stopping`);
    } finally {
      await local.stop();
    }
    return EXIT.OK;
  },
});
