import { describe, expect, test } from 'vitest';
import { clientConfig, resolveConfig } from '../../src/cli/config.js';
import { resetDefaults } from '../../src/defaults.js';
import { defaults } from '../../src/index.js';

describe('resolveConfig: flags, then environment, then defaults', () => {
  test('defaults with an empty environment', () => {
    expect(resolveConfig({}, {})).toEqual({
      tableName: 'dynamo_dlm_locks',
      endpoint: undefined,
      region: undefined,
      localCredentials: false,
    });
  });

  test('the environment fills what flags leave out', () => {
    const env = {
      DYNAMO_DLM_TABLE: 'env_table',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://ddb.internal:8000',
      AWS_ENDPOINT_URL: 'http://ignored:1',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'ignored',
    };
    expect(resolveConfig({}, env)).toEqual({
      tableName: 'env_table',
      endpoint: 'http://ddb.internal:8000',
      region: 'eu-west-1',
      localCredentials: false,
    });
  });

  test('flags win over the environment', () => {
    const env = { DYNAMO_DLM_TABLE: 'env_table', AWS_ENDPOINT_URL_DYNAMODB: 'http://env:1', AWS_REGION: 'eu-west-1' };
    expect(resolveConfig({ table: 'flag_table', endpoint: 'https://flag:2', region: 'ap-south-1' }, env)).toEqual({
      tableName: 'flag_table',
      endpoint: 'https://flag:2',
      region: 'ap-south-1',
      localCredentials: false,
    });
  });

  test('fallbacks: AWS_ENDPOINT_URL, AWS_DEFAULT_REGION; empty variables count as unset', () => {
    const c = resolveConfig(
      {},
      { AWS_ENDPOINT_URL: 'http://generic:3', AWS_DEFAULT_REGION: 'us-west-2', AWS_REGION: '' },
    );
    expect(c.endpoint).toBe('http://generic:3');
    expect(c.region).toBe('us-west-2');
  });

  test('the library default table follows `defaults.tableName`', () => {
    defaults.tableName = 'changed_default';
    try {
      expect(resolveConfig({}, {}).tableName).toBe('changed_default');
    } finally {
      resetDefaults();
    }
  });

  test('a loopback endpoint gets a region and, without configured credentials, dummy ones', () => {
    for (const endpoint of ['http://127.0.0.1:8000', 'http://localhost:4566', 'http://[::1]:8000']) {
      const c = resolveConfig({ endpoint }, {});
      expect(c).toMatchObject({ region: 'us-east-1', localCredentials: true });
      expect(clientConfig(c, 'read').credentials).toEqual({ accessKeyId: 'local', secretAccessKey: 'local' });
    }
    expect(resolveConfig({ endpoint: 'http://127.0.0.1:1' }, { AWS_PROFILE: 'dev' }).localCredentials).toBe(false);
    expect(resolveConfig({ endpoint: 'http://127.0.0.1:1' }, { AWS_ACCESS_KEY_ID: 'AKIA' }).localCredentials).toBe(
      false,
    );
    expect(resolveConfig({ endpoint: 'http://ddb.example.com' }, {}).localCredentials).toBe(false);
  });

  test('bad values are usage errors (INVALID_ARGUMENT)', () => {
    expect(() => resolveConfig({ endpoint: 'nope' }, {})).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => resolveConfig({ endpoint: 'ftp://x' }, {})).toThrow(/http or https/);
    expect(() => resolveConfig({ table: 'a' }, {})).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => resolveConfig({}, { DYNAMO_DLM_TABLE: 'bad name!' })).toThrow(/`table`/);
  });

  test("a lock's client makes one attempt per request; a reader keeps the SDK's retries", () => {
    const c = resolveConfig({ endpoint: 'http://127.0.0.1:9' }, {});
    expect(clientConfig(c, 'lock')).toMatchObject({
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      maxAttempts: 1,
    });
    expect(clientConfig(c, 'read')).not.toHaveProperty('maxAttempts');
    const aws = clientConfig(resolveConfig({}, {}), 'read');
    expect(aws).not.toHaveProperty('endpoint');
    expect(aws).not.toHaveProperty('region');
    expect(aws).not.toHaveProperty('credentials');
  });
});
