import { readFileSync } from 'node:fs';
import { DynamoDlmError } from '../errors.js';
import type { Command } from './command.js';
import { createTableCommand } from './commands/create-table.js';
import { demoCommand } from './commands/demo.js';
import { DEMO_WORKER_COMMAND, demoWorkerCommand } from './commands/demo-worker.js';
import { listCommand } from './commands/list.js';
import { localCommand } from './commands/local.js';
import { releaseCommand } from './commands/release.js';
import { runCommand } from './commands/run.js';
import { statusCommand } from './commands/status.js';
import { EXIT, exitCodeForError } from './exit-codes.js';
import { HELP } from './help.js';
import { type Io, PREFIX } from './io.js';
import { UsageError } from './usage-error.js';

const COMMANDS: Readonly<Record<string, Command>> = {
  run: runCommand,
  'create-table': createTableCommand,
  status: statusCommand,
  list: listCommand,
  release: releaseCommand,
  local: localCommand,
  demo: demoCommand,
  [DEMO_WORKER_COMMAND]: demoWorkerCommand,
};

/**
 * Runs one command line and returns the exit code. Never exits the process itself: `main.ts`
 * does, so that this stays callable from tests.
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...args] = argv;
  if (name === '-h' || name === '--help' || name === 'help') {
    io.out(HELP.main ?? '');
    return EXIT.OK;
  }
  if (name === '--version' || name === '-V') {
    io.out(version());
    return EXIT.OK;
  }
  try {
    if (name === undefined) throw new UsageError('missing <command>');
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (command === undefined) throw new UsageError(`unknown command \`${name}\``);
    return await command(args, io);
  } catch (error) {
    io.err(describeError(error, name));
    return exitCodeForError(error);
  }
}

/** The one stderr message for an error that ended a command. */
export function describeError(error: unknown, command: string | undefined): string {
  if (error instanceof UsageError || (error instanceof DynamoDlmError && error.code === 'INVALID_ARGUMENT')) {
    const topic =
      error instanceof UsageError
        ? (error.command ?? (command !== undefined && Object.hasOwn(HELP, command) ? command : undefined))
        : command;
    const help = topic !== undefined && Object.hasOwn(HELP, topic) ? `dynamo-dlm ${topic} --help` : 'dynamo-dlm --help';
    return `${PREFIX} ${error.message}\nRun \`${help}\` for usage.`;
  }
  if (error instanceof DynamoDlmError) return `${PREFIX} ${error.message}`;
  if (error instanceof Error) {
    // Credentials, region and network failures come from the SDK with clear enough messages.
    return `${PREFIX} ${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`;
  }
  return `${PREFIX} ${String(error)}`;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}
