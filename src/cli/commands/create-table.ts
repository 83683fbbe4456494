import { createLockTable } from '../../table.js';
import { defineCommand } from '../framework/command.js';
import { EXIT } from '../framework/exit-codes.js';

/** `dynamo-dlm create-table`. */
export const createTableCommand = defineCommand({
  name: 'create-table',
  summary: 'create the lock table (TTL enabled where supported)',
  description: `Creates the lock table (on-demand, partition key resource_id (String)) and enables TTL on its
\`ttl\` attribute, so that DynamoDB deletes stale lock items. Safe to run again.
With --table-layout slots the table also gets sort key concurrency_id (Number): the layout of
Python dynamo-dlm 2.x, which locks with --concurrency need.
Needs dynamodb:CreateTable, DescribeTable, UpdateTimeToLive.`,
  flags: {},
  connect: true,
  async run({ io, config, client }) {
    const result = await createLockTable({ client, tableName: config.tableName, tableLayout: config.tableLayout });
    const ttl = result.ttl === 'enabled' ? 'TTL enabled on `ttl`' : 'TTL not supported by this server';
    const layout = result.tableLayout === 'slots' ? ', layout slots: sort key concurrency_id' : '';
    io.out(`${result.created ? 'created' : 'table already exists:'} ${result.tableName} (${ttl}${layout})`);
    return EXIT.OK;
  },
});
