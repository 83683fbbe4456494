import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { itemKey } from '../../item/attributes.js';
import { forceReleaseRequest } from '../../item/requests.js';
import { DEFAULT_RETENTION } from '../../options/lock-options.js';
import { checkResourceId, checkSlot } from '../../options/validate.js';
import { classify, wrapSdkError } from '../../runtime/sdk-errors.js';
import { parseFlag, parseInteger, UsageError } from '../framework/args.js';
import { defineCommand } from '../framework/command.js';
import { EXIT } from '../framework/exit-codes.js';
import { PREFIX } from '../framework/io.js';
import { formatLockLine } from '../view/format.js';
import { forcedCode, readLockView, viewLock } from '../view/lock-view.js';

/** `dynamo-dlm release --force <resource>`: evicts the holder that was read, and only that one. */
export const releaseCommand = defineCommand({
  name: 'release',
  summary: 'clear a lock held by someone else (operators’ escape hatch)',
  usage: '--force <resource> [options]',
  description: `Releases a lock that someone else holds: an escape hatch for operators, for a holder that is
stuck but still renewing. It reads the lock, shows it and asks for confirmation (on a terminal),
then releases it only if the same holder (owner code and fencing token) still has it: if the
lock changed hands meanwhile, the new holder keeps it and nothing is released (exit 1).
The item becomes a released marker (its fencing token is kept, so tokens keep increasing).

The old holder is not told at once: it still believes it holds the lock, and its process keeps
working, until its next renewal or release, which fails (its owner code was replaced); then its
lock.signal aborts, and \`run\` terminates its command. Until then, only the fencing token keeps
its writes from overwriting the next holder's: the next holder's token is greater.`,
  positionals: ['resource'],
  flags: {
    force: { type: 'boolean', help: 'required: say that you mean it' },
    yes: { type: 'boolean', short: 'y', help: 'do not ask for confirmation (required when stdin is not a terminal)' },
    token: {
      type: 'string',
      value: 'N',
      help: 'release only if the fencing token is still N (as `status` showed it)',
    },
    slot: {
      type: 'string',
      value: 'N',
      help: "on a 'slots' table (--table-layout slots), the slot to release, as `status` showed it",
    },
  },
  connect: true,
  async run({ io, flags, args, config, client }) {
    if (!flags.force) {
      throw new UsageError(
        'release needs --force: it releases a lock that another process holds (a holder releases its own lock itself)',
      );
    }
    const resourceId = checkResourceId(args.resource, 'resource');
    const expected = parseInteger('token', flags.token, 0, Number.MAX_SAFE_INTEGER);
    const { tableName, tableLayout } = config;
    const slot = parseFlag('slot', flags.slot, checkSlot);
    if (tableLayout === 'slots' && slot === undefined) {
      throw new UsageError(
        `on a 'slots' table, name the slot to release: --slot N (\`status ${resourceId}\` shows them)`,
      );
    }
    if (tableLayout === 'single' && slot !== undefined) {
      throw new UsageError("--slot needs a 'slots' table: add --table-layout slots");
    }
    const key = itemKey(tableLayout, resourceId, slot ?? 0);
    const name = slot === undefined ? `\`${resourceId}\`` : `slot ${slot} of \`${resourceId}\``;
    const interactive = io.stdinIsTTY && io.stderrIsTTY;
    if (!flags.yes && !interactive) {
      throw new UsageError('not a terminal, so no confirmation can be asked: add --yes');
    }
    const shown = await readLockView(client, tableName, resourceId, Date.now, key, tableLayout);
    const { view } = shown;
    if (shown.code === undefined || view.state === 'free' || view.state === 'released') {
      io.out(`nothing to release: ${formatLockLine(view, Date.now())}`);
      return EXIT.OK;
    }
    if (expected !== undefined && view.fencingToken !== expected) {
      io.err(`${PREFIX} not released: the fencing token of ${name} is ${view.fencingToken ?? 'none'}, not ${expected}`);
      return EXIT.ERROR;
    }
    if (!flags.yes) {
      // Show the operator what they are about to break before asking.
      io.err(formatLockLine(view, Date.now()));
      const answer = await io.ask(`Release the lock on ${name} in ${tableName}? [y/N] `);
      if (!/^y(es)?$/i.test(answer.trim())) {
        io.err(`${PREFIX} not released`);
        return EXIT.ERROR;
      }
    }
    const request = forceReleaseRequest({
      tableName,
      key,
      heldCode: shown.code,
      fencingToken: view.fencingToken,
      code: forcedCode(),
      now: Date.now(),
      retentionS: DEFAULT_RETENTION,
    });
    try {
      const out = await client.send(new UpdateItemCommand(request));
      const before = viewLock(resourceId, out.Attributes, Date.now());
      io.out(
        before.state === 'held'
          ? `released ${slot === undefined ? resourceId : `${resourceId} slot ${slot}`} (was held by ${before.holder ?? '?'}, fencing token ${before.fencingToken ?? '?'})`
          : `released ${slot === undefined ? resourceId : `${resourceId} slot ${slot}`} (it was already ${before.state})`,
      );
      return EXIT.OK;
    } catch (error) {
      if (classify(error) !== 'conditional')
        throw wrapSdkError(error, resourceId, tableName, 'UpdateItem', tableLayout);
    }
    const now = await readLockView(client, tableName, resourceId, Date.now, key, tableLayout).then(
      ({ view: v }) => formatLockLine(v, Date.now()),
      () => 'unknown (it could not be read again)',
    );
    io.err(
      `${PREFIX} not released: the lock on ${name} changed hands after it was read (it was held by ${view.holder ?? '?'}, fencing token ${view.fencingToken ?? '?'}); the new holder keeps it. Now: ${now}`,
    );
    return EXIT.ERROR;
  },
});
