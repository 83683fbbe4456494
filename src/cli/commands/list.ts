import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ATTR } from '../../item.js';
import { CONNECTION_OPTIONS, expectPositionals, HELP_OPTION, parseCommandLine, stringFlag } from '../args.js';
import type { Command } from '../command.js';
import { createClient, resolveConfig } from '../config.js';
import { EXIT } from '../exit-codes.js';
import { formatTable, lockRows, lockToJson } from '../format.js';
import { HELP } from '../help.js';
import { viewLock } from '../lock-view.js';
import { wrapReadError } from '../read-errors.js';

const OPTIONS = { ...CONNECTION_OPTIONS, ...HELP_OPTION, json: { type: 'boolean' } } as const;

/** `dynamo-dlm list`: a paginated, strongly consistent Scan of the lock table. */
export const listCommand: Command = async (args, io) => {
  const { values, positionals } = parseCommandLine('list', args, OPTIONS);
  if (values.help === true) {
    io.out(HELP.list ?? '');
    return EXIT.OK;
  }
  expectPositionals('list', positionals, []);
  const config = resolveConfig(
    { table: stringFlag(values.table), endpoint: stringFlag(values.endpoint), region: stringFlag(values.region) },
    io.env,
  );
  const client = createClient(config, 'read');
  try {
    const items: Record<string, AttributeValue>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await client
        .send(new ScanCommand({ TableName: config.tableName, ConsistentRead: true, ExclusiveStartKey: start }))
        .catch((error: unknown) => {
          throw wrapReadError(error, config.tableName, 'Scan');
        });
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    const now = Date.now();
    const views = items
      .map((item) => viewLock(item[ATTR.resourceId]?.S ?? '?', item, now))
      .sort((a, b) => (a.resourceId < b.resourceId ? -1 : a.resourceId > b.resourceId ? 1 : 0));
    if (values.json === true) {
      io.out(JSON.stringify(views.map(lockToJson)));
    } else if (views.length === 0) {
      io.out(`no locks in ${config.tableName}`);
    } else {
      for (const line of formatTable(lockRows(views, now))) io.out(line);
    }
    return EXIT.OK;
  } finally {
    client.destroy();
  }
};
