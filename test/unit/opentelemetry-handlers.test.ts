/** errorType: a low-cardinality name for an error, as OpenTelemetry's `error.type`. */
import { describe, expect, test } from 'vitest';
import { TableNotFoundError, ThrottledError } from '../../src/index.js';
import { errorType } from '../../src/opentelemetry/handlers.js';
import { reset, throttled } from '../support/fake-client.js';

describe('errorType', () => {
  test.each([
    ['a library error: its code', new TableNotFoundError('t'), 'TABLE_NOT_FOUND'],
    ['a library error wrapping another', new ThrottledError('slow', { cause: throttled() }), 'THROTTLED'],
    ['an SDK exception: its name', throttled(), 'ProvisionedThroughputExceededException'],
    ['a network error: its code', reset(), 'ECONNRESET'],
    ['a plain Error', new Error('x'), '_OTHER'],
    ['not an error', 'oops', '_OTHER'],
    ['nothing', undefined, '_OTHER'],
  ])('%s', (_, error, type) => {
    expect(errorType(error)).toBe(type);
  });
});
