import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DEFAULT_RETENTION } from '../../options.js';
import { checkResourceId } from '../../validate.js';
import { CONNECTION_OPTIONS, expectPositionals, HELP_OPTION, parseCommandLine, stringFlag } from '../args.js';
import type { Command } from '../command.js';
import { createClient, resolveConfig } from '../config.js';
import { EXIT } from '../exit-codes.js';
import { forceReleaseRequest } from '../force-release.js';
import { formatLockLine } from '../format.js';
import { HELP } from '../help.js';
import { PREFIX } from '../io.js';
import { viewLock } from '../lock-view.js';
import { wrapReadError } from '../read-errors.js';
import { readLock } from '../read-lock.js';
import { UsageError } from '../usage-error.js';

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  ...HELP_OPTION,
  force: { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
} as const;

/** `dynamo-dlm release --force <resource>`. */
export const releaseCommand: Command = async (args, io) => {
  const { values, positionals } = parseCommandLine('release', args, OPTIONS);
  if (values.help === true) {
    io.out(HELP.release ?? '');
    return EXIT.OK;
  }
  const [resource] = expectPositionals('release', positionals, ['resource']);
  if (values.force !== true) {
    throw new UsageError(
      'release needs --force: it releases a lock that another process holds (a holder releases its own lock itself)',
      'release',
    );
  }
  const resourceId = checkResourceId(resource, 'resource');
  const interactive = io.stdinIsTTY && io.stderrIsTTY;
  if (values.yes !== true && !interactive) {
    throw new UsageError('not a terminal, so no confirmation can be asked: add --yes', 'release');
  }
  const config = resolveConfig(
    { table: stringFlag(values.table), endpoint: stringFlag(values.endpoint), region: stringFlag(values.region) },
    io.env,
  );
  const client = createClient(config, 'read');
  try {
    if (values.yes !== true) {
      // Show the operator what they are about to break before asking.
      io.err(formatLockLine(await readLock(client, config.tableName, resourceId), Date.now()));
      const answer = await io.ask(`Release the lock on \`${resourceId}\` in ${config.tableName}? [y/N] `);
      if (!/^y(es)?$/i.test(answer.trim())) {
        io.err(`${PREFIX} not released`);
        return EXIT.ERROR;
      }
    }
    try {
      const out = await client.send(
        new UpdateItemCommand(
          forceReleaseRequest({
            tableName: config.tableName,
            resourceId,
            now: Date.now(),
            retentionS: DEFAULT_RETENTION,
          }),
        ),
      );
      const before = viewLock(resourceId, out.Attributes, Date.now());
      io.out(
        before.state === 'held'
          ? `released ${resourceId} (was held by ${before.holder ?? '?'}, fencing token ${before.fencingToken ?? '?'})`
          : `released ${resourceId} (it was already ${before.state})`,
      );
      return EXIT.OK;
    } catch (error) {
      if ((error as { name?: unknown }).name === 'ConditionalCheckFailedException') {
        io.out(`nothing to release: ${resourceId} has no lock item in ${config.tableName}`);
        return EXIT.OK;
      }
      throw wrapReadError(error, config.tableName, 'UpdateItem');
    }
  } finally {
    client.destroy();
  }
};
