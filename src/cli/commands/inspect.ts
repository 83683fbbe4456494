import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ATTR } from '../../item.js';
import { wrapSdkError } from '../../sdk-errors.js';
import { checkResourceId } from '../../validate.js';
import { defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { formatLockLine, formatTable, lockRows, lockToJson } from '../format.js';
import { readLock, viewLock } from '../lock-view.js';

const JSON_FLAG = { type: 'boolean', help: 'print JSON' } as const;

/** `dynamo-dlm status <resource>`: one strongly consistent GetItem. */
export const statusCommand = defineCommand({
  name: 'status',
  summary: 'show who holds a lock and until when (reads the item)',
  description: `Shows whether <resource> is held, by which holder (the first 8 characters of its owner code),
until when, and its fencing token. Reads the item (GetItem, strongly consistent): needs
dynamodb:GetItem, which the lock itself never uses.`,
  positionals: ['resource'],
  flags: { json: JSON_FLAG },
  connect: true,
  async run({ io, flags, args, config, client }) {
    const resourceId = checkResourceId(args.resource, 'resource');
    const now = Date.now();
    const { view } = await readLock(client, config.tableName, resourceId, () => now);
    io.out(flags.json ? JSON.stringify(lockToJson(view)) : formatLockLine(view, now));
    return EXIT.OK;
  },
});

/** `dynamo-dlm list`: a paginated, strongly consistent Scan of the lock table. */
export const listCommand = defineCommand({
  name: 'list',
  summary: 'show every lock in the table (scans the table)',
  description: `Lists every lock item in the table: state, holder, expiry, fencing token. Scans the whole table
(paginated; consumes read capacity in proportion to its size): needs dynamodb:Scan.`,
  flags: { json: { ...JSON_FLAG, help: 'print JSON (an array)' } },
  connect: true,
  async run({ io, flags, config, client }) {
    const items: Record<string, AttributeValue>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await client
        .send(new ScanCommand({ TableName: config.tableName, ConsistentRead: true, ExclusiveStartKey: start }))
        .catch((error: unknown) => {
          throw wrapSdkError(error, config.tableName, config.tableName, 'Scan');
        });
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    const now = Date.now();
    const views = items
      .map((item) => viewLock(item[ATTR.resourceId]?.S ?? '?', item, now))
      .sort((a, b) => (a.resourceId < b.resourceId ? -1 : a.resourceId > b.resourceId ? 1 : 0));
    if (flags.json) io.out(JSON.stringify(views.map(lockToJson)));
    else if (views.length === 0) io.out(`no locks in ${config.tableName}`);
    else for (const line of formatTable(lockRows(views, now))) io.out(line);
    return EXIT.OK;
  },
});
