import { checkConcurrency, checkResourceId } from '../../options/validate.js';
import { parseFlag } from '../framework/args.js';
import { defineCommand } from '../framework/command.js';
import { EXIT } from '../framework/exit-codes.js';
import { formatLockLine, formatSlotLines, formatTable, lockRows, lockToJson, slotViews } from '../view/format.js';
import { readResourceViews, readTableViews } from '../view/lock-view.js';

const JSON_FLAG = { type: 'boolean', help: 'print JSON' } as const;

/** `dynamo-dlm status <resource>`: one strongly consistent GetItem, or a Query of a 'slots' table. */
export const statusCommand = defineCommand({
  name: 'status',
  summary: 'show who holds a lock and until when (reads the item)',
  description: `Shows whether <resource> is held, by which owner (and the first 8 characters of its owner
code), until when and how long is left, its fencing token, and the holder's data. Reads the item
with the library's readLock (GetItem, strongly consistent, one read unit): needs dynamodb:GetItem,
which the lock itself never uses. --json prints the same as one JSON object.

On a 'slots' table (Python dynamo-dlm 2.x, locks with --concurrency) it shows every slot and its
holder: a strongly consistent Query of the resource's slots, which needs dynamodb:Query. A table
that turns out to have the sort key concurrency_id is read that way without --table-layout.`,
  positionals: ['resource'],
  flags: {
    json: JSON_FLAG,
    concurrency: {
      type: 'string',
      value: 'N',
      help: "on a 'slots' table, show slots 0..N-1, free ones included",
      default: 'the slots that have an item',
    },
  },
  connect: true,
  async run({ io, flags, args, config, client }) {
    const resourceId = checkResourceId(args.resource, 'resource');
    const concurrency = parseFlag('concurrency', flags.concurrency, checkConcurrency);
    const now = Date.now();
    const read = await readResourceViews(client, config.tableName, config.tableLayout, resourceId, () => now);
    const [view] = read.views;
    if (read.layout === 'single' && view !== undefined) {
      io.out(flags.json ? JSON.stringify(lockToJson(view, now)) : formatLockLine(view, now));
      return EXIT.OK;
    }
    if (flags.json) {
      const slots = slotViews(resourceId, read.views, concurrency);
      const held = slots.filter((v) => v.state === 'held').length;
      io.out(
        JSON.stringify({
          resourceId,
          concurrency: concurrency ?? null,
          held,
          slots: slots.map((v) => lockToJson(v, now)),
        }),
      );
    } else {
      for (const line of formatSlotLines(resourceId, read.views, concurrency, now)) io.out(line);
    }
    return EXIT.OK;
  },
});

/** `dynamo-dlm list`: a paginated, strongly consistent Scan of the lock table. */
export const listCommand = defineCommand({
  name: 'list',
  summary: 'show every lock in the table (scans the table)',
  description: `Lists every lock item in the table: state, owner, holder code, expiry and time left, fencing
token, the start of the holder's data (--json gives all of it), and on a 'slots' table (Python
dynamo-dlm 2.x) each slot in its own row. Scans the whole table (paginated; consumes
read capacity in proportion to its size): needs dynamodb:Scan.`,
  flags: { json: { ...JSON_FLAG, help: 'print JSON (an array)' } },
  connect: true,
  async run({ io, flags, config, client }) {
    // Judged and shown as of one moment: when the last page came.
    let now = 0;
    const views = await readTableViews(client, config.tableName, () => {
      now = Date.now();
      return now;
    });
    if (flags.json) io.out(JSON.stringify(views.map((view) => lockToJson(view, now))));
    else if (views.length === 0) io.out(`no locks in ${config.tableName}`);
    else for (const line of formatTable(lockRows(views, now))) io.out(line);
    return EXIT.OK;
  },
});
