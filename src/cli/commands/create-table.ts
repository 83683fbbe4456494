import { createLockTable } from '../../table.js';
import { defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';

/** `dynamo-dlm create-table`. */
export const createTableCommand = defineCommand({
  name: 'create-table',
  summary: 'create the lock table (TTL enabled where supported)',
  description: `Creates the lock table (on-demand, partition key resource_id (String)) and enables TTL on its
\`ttl\` attribute, so that DynamoDB deletes stale lock items. Safe to run again.
Needs dynamodb:CreateTable, DescribeTable, UpdateTimeToLive.`,
  flags: {},
  connect: true,
  async run({ io, config, client }) {
    const result = await createLockTable({ client, tableName: config.tableName });
    const ttl = result.ttl === 'enabled' ? 'TTL enabled on `ttl`' : 'TTL not supported by this server';
    io.out(`${result.created ? 'created' : 'table already exists:'} ${result.tableName} (${ttl})`);
    return EXIT.OK;
  },
});
