import { readFileSync } from 'node:fs';
import { DynamoDlmError } from '../errors.js';
import { createTableCommand } from './commands/create-table.js';
import { listCommand, statusCommand } from './commands/inspect.js';
import { localCommand } from './commands/local.js';
import { releaseCommand } from './commands/release.js';
import { runCommand } from './commands/run.js';
import { demoCommand } from './demo/demo.js';
import { demoWorkerCommand } from './demo/worker.js';
import { UsageError } from './framework/args.js';
import type { Command } from './framework/command.js';
import { EXIT, EXIT_CODES_HELP, exitCodeForError } from './framework/exit-codes.js';
import { type Io, PREFIX } from './framework/io.js';
import { suggest } from './framework/suggest.js';

const COMMANDS: ReadonlyMap<string, Command> = new Map(
  [
    runCommand,
    createTableCommand,
    statusCommand,
    listCommand,
    releaseCommand,
    localCommand,
    demoCommand,
    demoWorkerCommand,
  ].map((c) => [c.name, c]),
);

/** `dynamo-dlm --help`, from the commands' own definitions. */
export function mainHelp(): string {
  const lines = [...COMMANDS.values()]
    .filter((c) => !c.hidden)
    .map((c) => {
      const usage = `${c.name} ${c.synopsis.replace(/ ?\[options\]$/, '')}`.trim();
      return usage.length < 23 ? `  ${usage.padEnd(23)}${c.summary}` : `  ${usage}\n${' '.repeat(25)}${c.summary}`;
    });
  return `dynamo-dlm: a distributed lock kept in Amazon DynamoDB

Usage: dynamo-dlm <command> [options]

Commands:
${lines.join('\n')}

Run \`dynamo-dlm <command> --help\` for a command's options.
  -h, --help             show help
  --version              show the version

${EXIT_CODES_HELP}`;
}

/**
 * Runs one command line and returns the exit code. Never exits the process itself: `main.ts`
 * does, so that this stays callable from tests.
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...args] = argv;
  if (name === '-h' || name === '--help' || name === 'help') {
    // `help run` is `run --help`.
    const about = name === 'help' && args[0] !== undefined ? COMMANDS.get(args[0]) : undefined;
    io.out(about === undefined ? mainHelp() : about.help());
    return EXIT.OK;
  }
  if (name === '--version' || name === '-V') {
    io.out(version());
    return EXIT.OK;
  }
  const command = name === undefined ? undefined : COMMANDS.get(name);
  try {
    if (name === undefined) throw new UsageError('missing <command>');
    if (command === undefined) throw unknownCommand(name);
    return await command.run(args, io);
  } catch (error) {
    io.err(describeError(error, command?.name));
    return exitCodeForError(error);
  }
}

/** A mistyped command gets the nearest visible one; a flag first, the reminder that the command comes first. */
function unknownCommand(name: string): UsageError {
  if (name.startsWith('-'))
    return new UsageError(`missing <command> before \`${name}\`: dynamo-dlm <command> [options]`);
  const visible = [...COMMANDS.values()].filter((c) => !c.hidden).map((c) => c.name);
  const near = suggest(name, visible);
  return new UsageError(`unknown command \`${name}\`${near === undefined ? '' : `; did you mean \`${near}\`?`}`);
}

/** The one stderr message for an error that ended `command` (undefined: no such command). */
export function describeError(error: unknown, command: string | undefined): string {
  if (error instanceof DynamoDlmError && error.code === 'INVALID_ARGUMENT') {
    const help = command === undefined ? 'dynamo-dlm --help' : `dynamo-dlm ${command} --help`;
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
