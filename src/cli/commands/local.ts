import { startLocalDynamo } from '../../testing.js';
import { expectPositionals, HELP_OPTION, parseCommandLine, parseInteger, stringFlag } from '../args.js';
import type { Command } from '../command.js';
import { resolveConfig } from '../config.js';
import { EXIT } from '../exit-codes.js';
import { HELP } from '../help.js';
import { PREFIX } from '../io.js';
import { nextSignal } from '../signals.js';

const OPTIONS = {
  ...HELP_OPTION,
  port: { type: 'string' },
  path: { type: 'string' },
  table: { type: 'string' },
} as const;

/** The shell lines that point the AWS SDK and this CLI at a local endpoint. Pure. */
export function exportLines(endpoint: string, tableName: string): string[] {
  return [
    `export AWS_ENDPOINT_URL_DYNAMODB=${endpoint}`,
    'export AWS_REGION=us-east-1',
    'export AWS_ACCESS_KEY_ID=local',
    'export AWS_SECRET_ACCESS_KEY=local',
    `export DYNAMO_DLM_TABLE=${tableName}`,
  ];
}

/** `dynamo-dlm local`: dynalite on 127.0.0.1 until SIGINT or SIGTERM. */
export const localCommand: Command = async (args, io) => {
  const { values, positionals } = parseCommandLine('local', args, OPTIONS);
  if (values.help === true) {
    io.out(HELP.local ?? '');
    return EXIT.OK;
  }
  expectPositionals('local', positionals, []);
  const port = parseInteger('local', 'port', values.port, 0, 65_535) ?? 0;
  const path = stringFlag(values.path);
  // Only the table matters here: the server this starts is the endpoint.
  const { tableName } = resolveConfig({ table: stringFlag(values.table), endpoint: 'http://127.0.0.1' }, io.env);
  // Listen for the signals before starting, so that one arriving during start-up still stops cleanly.
  const stopSignal = nextSignal(['SIGINT', 'SIGTERM']);
  const local = await startLocalDynamo({ tableName, port, ...(path === undefined ? {} : { path }) });
  try {
    for (const line of exportLines(local.endpoint, tableName)) io.out(line);
    io.err(
      `${PREFIX} dynalite listening on ${local.endpoint}, table ${tableName}, ${path === undefined ? 'in memory' : `data in ${path}`}; Ctrl-C to stop`,
    );
    const signal = await stopSignal;
    io.err(`${PREFIX} ${signal}: stopping`);
  } finally {
    await local.stop();
  }
  return EXIT.OK;
};
