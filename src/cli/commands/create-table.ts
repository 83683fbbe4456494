import { createLockTable } from '../../table.js';
import { CONNECTION_OPTIONS, expectPositionals, HELP_OPTION, parseCommandLine, stringFlag } from '../args.js';
import type { Command } from '../command.js';
import { createClient, resolveConfig } from '../config.js';
import { EXIT } from '../exit-codes.js';
import { HELP } from '../help.js';

const OPTIONS = { ...CONNECTION_OPTIONS, ...HELP_OPTION } as const;

/** `dynamo-dlm create-table`. */
export const createTableCommand: Command = async (args, io) => {
  const { values, positionals } = parseCommandLine('create-table', args, OPTIONS);
  if (values.help === true) {
    io.out(HELP['create-table'] ?? '');
    return EXIT.OK;
  }
  expectPositionals('create-table', positionals, []);
  const config = resolveConfig(
    { table: stringFlag(values.table), endpoint: stringFlag(values.endpoint), region: stringFlag(values.region) },
    io.env,
  );
  const client = createClient(config, 'read');
  try {
    const result = await createLockTable({ client, tableName: config.tableName });
    const ttl = result.ttl === 'enabled' ? 'TTL enabled on `ttl`' : 'TTL not supported by this server';
    io.out(`${result.created ? 'created' : 'table already exists:'} ${result.tableName} (${ttl})`);
    return EXIT.OK;
  } finally {
    client.destroy();
  }
};
