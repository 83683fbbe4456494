/**
 * The AWS SDK prints a `NodeVersionSupportWarning` on Node 20 (future SDK releases will need
 * Node 22) the first time a client is built. It says nothing about this command and would
 * clutter every run, so the CLI drops that one warning and lets every other warning through.
 */
export function quietSdkNodeVersionWarning(): void {
  const original = process.emitWarning;
  const filtered = function emitWarning(this: unknown, warning: string | Error, ...rest: unknown[]): void {
    if (isNodeVersionSupportWarning(warning)) return;
    (original as (...args: unknown[]) => void).call(process, warning, ...rest);
  };
  process.emitWarning = filtered as typeof process.emitWarning;
}

/** Whether a warning is the SDK's Node-version notice (matched on its text, which names it). */
export function isNodeVersionSupportWarning(warning: unknown): boolean {
  const text = typeof warning === 'string' ? warning : warning instanceof Error ? warning.message : '';
  const name = warning instanceof Error ? warning.name : '';
  return name === 'NodeVersionSupportWarning' || text.startsWith('NodeVersionSupportWarning');
}
