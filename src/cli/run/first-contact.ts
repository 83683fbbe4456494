import { PREFIX } from '../framework/io.js';

/**
 * The lock retries network failures forever while it waits, which is right for a blip during
 * a long wait, but wrong for a wrong endpoint or no network at all: `run` would then print
 * warnings forever. This tells the two apart: until DynamoDB has answered once (anything with
 * an HTTP status, even a refusal or throttling), `limit` network failures in a row give up.
 */
export class FirstContactGuard {
  #answered = false;
  #failures = 0;

  constructor(readonly limit = 8) {}

  /** DynamoDB answered: from now on, failures are blips to wait through. */
  answered(): void {
    this.#answered = true;
  }

  /** Records a failed request; true when the command should give up. */
  failed(error: unknown): boolean {
    const status = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
    if (typeof status === 'number') this.#answered = true;
    if (this.#answered) return false;
    this.#failures++;
    return this.#failures >= this.limit;
  }
}

/** What `run` says when it gave up on a DynamoDB that never answered. */
export function unreachableMessage(error: unknown, endpoint: string | undefined): string {
  const detail = error instanceof Error ? error.message : String(error);
  return `${PREFIX} cannot reach DynamoDB${endpoint === undefined ? '' : ` at ${endpoint}`}: ${detail}`;
}
