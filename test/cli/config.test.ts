import { describe, expect, test } from 'vitest';
import { createClient, resolveConfig, resolveTableName } from '../../src/cli/framework/config.js';
import { resetDefaults } from '../../src/defaults.js';
import { defaults } from '../../src/index.js';
import { clientConfig } from '../../src/runtime/client.js';

describe('resolveConfig: flags, then environment, then defaults', () => {
  test('defaults with an empty environment', () => {
    expect(resolveConfig({}, {})).toEqual({
      tableName: 'dynamo_dlm_locks',
      tableLayout: 'single',
      endpoint: undefined,
      region: undefined,
      localCredentials: false,
    });
  });

  test('the environment fills what flags leave out', () => {
    const env = {
      DYNAMO_DLM_TABLE: 'env_table',
      DYNAMO_DLM_TABLE_LAYOUT: 'slots',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://ddb.internal:8000',
      AWS_ENDPOINT_URL: 'http://ignored:1',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'ignored',
    };
    expect(resolveConfig({}, env)).toEqual({
      tableName: 'env_table',
      tableLayout: 'slots',
      endpoint: 'http://ddb.internal:8000',
      region: 'eu-west-1',
      localCredentials: false,
    });
  });

  test('flags win over the environment', () => {
    const env = {
      DYNAMO_DLM_TABLE: 'env_table',
      DYNAMO_DLM_TABLE_LAYOUT: 'slots',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://env:1',
      AWS_REGION: 'eu-west-1',
    };
    const flags = { table: 'flag_table', 'table-layout': 'single', endpoint: 'https://flag:2', region: 'ap-south-1' };
    expect(resolveConfig(flags, env)).toEqual({
      tableName: 'flag_table',
      tableLayout: 'single',
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

  test('a table layout other than single or slots is a usage error; the default follows `defaults.tableLayout`', () => {
    expect(() => resolveConfig({ 'table-layout': 'sorted' }, {})).toThrow(
      "Expected `--table-layout` to be `'single'` or `'slots'`, got \"sorted\" (string)",
    );
    // A bad value is named by where it came from.
    expect(() => resolveConfig({}, { DYNAMO_DLM_TABLE_LAYOUT: 'Slots' })).toThrow(
      /^Expected `DYNAMO_DLM_TABLE_LAYOUT` to be .*, got "Slots"/,
    );
    defaults.tableLayout = 'slots';
    try {
      expect(resolveConfig({}, {}).tableLayout).toBe('slots');
    } finally {
      resetDefaults();
    }
  });

  test('the library default table follows `defaults.tableName`', () => {
    defaults.tableName = 'changed_default';
    try {
      expect(resolveConfig({}, {}).tableName).toBe('changed_default');
    } finally {
      resetDefaults();
    }
  });

  test('a loopback endpoint gets a region and, without configured credentials, dummy ones', async () => {
    for (const endpoint of ['http://127.0.0.1:8000', 'http://localhost:4566', 'http://[::1]:8000']) {
      const c = resolveConfig({ endpoint }, {});
      expect(c).toMatchObject({ region: 'us-east-1', localCredentials: true });
      const client = createClient(c);
      expect(await client.config.credentials()).toMatchObject({ accessKeyId: 'local', secretAccessKey: 'local' });
      client.destroy();
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
    expect(() => resolveConfig({ endpoint: 'ftp://x' }, {})).toThrow(/^--endpoint expects an http or https URL/);
    expect(() => resolveConfig({}, { AWS_ENDPOINT_URL: 'nope' })).toThrow(/^AWS_ENDPOINT_URL expects a URL/);
    expect(() => resolveConfig({ table: 'a' }, {})).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => resolveConfig({ table: 'a' }, {})).toThrow(/^Expected `--table` to be a DynamoDB table name/);
    expect(() => resolveConfig({}, { DYNAMO_DLM_TABLE: 'bad name!' })).toThrow(/^Expected `DYNAMO_DLM_TABLE` to be/);
  });

  test('the table alone (for `local`): the flag, the environment, then the default', () => {
    expect(resolveTableName('flag_t', { DYNAMO_DLM_TABLE: 'env_t' })).toBe('flag_t');
    expect(resolveTableName(undefined, { DYNAMO_DLM_TABLE: 'env_t' })).toBe('env_t');
    expect(resolveTableName(undefined, {})).toBe('dynamo_dlm_locks');
  });
});

describe('one client configuration for the library and the CLI', () => {
  test('one attempt per request, and a hung request throws after 5 s', () => {
    expect(clientConfig()).toEqual({
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 3_000, requestTimeout: 5_000, throwOnRequestTimeout: true },
    });
    expect(clientConfig({ region: 'eu-west-1' })).toMatchObject({ region: 'eu-west-1', maxAttempts: 1 });
  });

  test("the CLI's client is built from it, with the resolved endpoint and region", async () => {
    const client = createClient(resolveConfig({ endpoint: 'http://127.0.0.1:9' }, {}));
    try {
      expect(await client.config.maxAttempts()).toBe(1);
      expect(await client.config.region()).toBe('us-east-1');
      expect((await client.config.endpoint?.())?.port).toBe(9);
    } finally {
      client.destroy();
    }
    const aws = createClient(resolveConfig({ region: 'eu-west-1' }, {}));
    expect(await aws.config.region()).toBe('eu-west-1');
    aws.destroy();
  });
});
