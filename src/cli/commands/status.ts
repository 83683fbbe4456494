import { checkResourceId } from '../../validate.js';
import { CONNECTION_OPTIONS, expectPositionals, HELP_OPTION, parseCommandLine, stringFlag } from '../args.js';
import type { Command } from '../command.js';
import { createClient, resolveConfig } from '../config.js';
import { EXIT } from '../exit-codes.js';
import { formatLockLine, lockToJson } from '../format.js';
import { HELP } from '../help.js';
import { readLock } from '../read-lock.js';

const OPTIONS = { ...CONNECTION_OPTIONS, ...HELP_OPTION, json: { type: 'boolean' } } as const;

/** `dynamo-dlm status <resource>`: one strongly consistent GetItem. */
export const statusCommand: Command = async (args, io) => {
  const { values, positionals } = parseCommandLine('status', args, OPTIONS);
  if (values.help === true) {
    io.out(HELP.status ?? '');
    return EXIT.OK;
  }
  const [resource] = expectPositionals('status', positionals, ['resource']);
  const resourceId = checkResourceId(resource, 'resource');
  const config = resolveConfig(
    { table: stringFlag(values.table), endpoint: stringFlag(values.endpoint), region: stringFlag(values.region) },
    io.env,
  );
  const client = createClient(config, 'read');
  try {
    const now = Date.now();
    const view = await readLock(client, config.tableName, resourceId, () => now);
    io.out(values.json === true ? JSON.stringify(lockToJson(view)) : formatLockLine(view, now));
    return EXIT.OK;
  } finally {
    client.destroy();
  }
};
