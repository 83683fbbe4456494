import { describe, expect, test } from 'vitest';
import { FirstContactGuard } from '../../src/cli/run/first-contact.js';

describe('FirstContactGuard', () => {
  const network = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const http = Object.assign(new Error('throttled'), { $metadata: { httpStatusCode: 400 } });

  test('gives up after `limit` network failures when DynamoDB never answered', () => {
    const guard = new FirstContactGuard(3);
    expect([guard.failed(network), guard.failed(network), guard.failed(network)]).toEqual([false, false, true]);
  });

  test('once DynamoDB answered (a refusal, or any HTTP status), failures are waited through', () => {
    const a = new FirstContactGuard(2);
    a.answered();
    expect([a.failed(network), a.failed(network), a.failed(network)]).toEqual([false, false, false]);
    const b = new FirstContactGuard(2);
    expect([b.failed(http), b.failed(network), b.failed(network)]).toEqual([false, false, false]);
  });
});
