import { readFileSync } from 'node:fs';

/** This package's version, from its package.json (two levels up from this file, in `src/` or `dist/`); undefined if unreadable. */
export function packageVersion(): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}
