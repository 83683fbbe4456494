import { describe, expect, test } from 'vitest';
import { describeError } from '../../src/cli/cli.js';
import { UsageError } from '../../src/cli/framework/args.js';
import { DynamoDbError, TableNotFoundError } from '../../src/index.js';

describe('describeError', () => {
  test('errors become one line, with a --help pointer for usage errors', () => {
    expect(describeError(new UsageError('bad'), 'run')).toBe('dynamo-dlm: bad\nRun `dynamo-dlm run --help` for usage.');
    expect(describeError(new TableNotFoundError('t'), 'status')).toMatch(
      /^dynamo-dlm: DynamoDB table `t` was not found/,
    );
    expect(describeError(new DynamoDbError('boom'), 'list')).toBe('dynamo-dlm: boom');
    expect(describeError(Object.assign(new Error('no region'), { name: 'ConfigError' }), 'list')).toBe(
      'dynamo-dlm: ConfigError: no region',
    );
  });
});
