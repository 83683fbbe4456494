import { DynamoDbError } from '../../errors.js';
import { loadDynalite } from '../../runtime/load-dynalite.js';

/**
 * What `dynamo-dlm <command>` says when dynalite is missing, by where this copy of dynamo-dlm
 * runs from (the URL of one of its modules): under npx's cache nothing the user installs can
 * reach it, so both must come from npx; anywhere else, dynalite goes beside dynamo-dlm. Pure.
 */
export function dynaliteMissing(command: string, moduleUrl: string): string {
  const why = `\`${command}\` needs the dynalite package (an embedded DynamoDB: an optional peer dependency, not installed with dynamo-dlm).`;
  return /[/\\]_npx[/\\]/.test(decodeURIComponent(moduleUrl))
    ? `${why} Run both with npx:\n  npx -p dynamo-dlm -p dynalite dynamo-dlm ${command}`
    : `${why} Install it beside dynamo-dlm:\n  npm install --save-dev dynalite\n(npm install --global dynalite where dynamo-dlm is installed globally)`;
}

/**
 * Resolves when dynalite can be loaded; otherwise rejects with a {@link DynamoDbError} (exit 1)
 * that says exactly what to install.
 */
export async function needsDynalite(command: string): Promise<void> {
  await loadDynalite((cause) => new DynamoDbError(dynaliteMissing(command, import.meta.url), { cause }));
}
