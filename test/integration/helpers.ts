import type { Logger } from '../../src/index.js';

/** One log line a lock wrote. */
export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
}

/** A logger that keeps what it is told, for asserting on WARNINGs. */
export function recordingLogger(): Logger & { readonly lines: LogLine[]; warnings(): string[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (message: string): void => {
      lines.push({ level, message });
    };
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    warnings: () => lines.filter((l) => l.level === 'warn').map((l) => l.message),
  };
}

/** Resolves after `ms` of real time. */
export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
