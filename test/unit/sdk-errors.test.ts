import {
  ConditionalCheckFailedException,
  DynamoDBServiceException,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, test } from 'vitest';
import { classify, conditionItem } from '../../src/runtime/sdk-errors.js';

const meta = (status: number) => ({ $metadata: { httpStatusCode: status }, message: 'm' });

function service(name: string, status: number, fault: 'client' | 'server' = 'client') {
  return new DynamoDBServiceException({ name, $fault: fault, ...meta(status) });
}

describe('classify', () => {
  test('a failed condition is contention, with the holder when the server returned it', () => {
    const error = new ConditionalCheckFailedException({ ...meta(400), Item: { expires: { N: '5' } } });
    expect(classify(error)).toBe('conditional');
    expect(conditionItem(error)).toEqual({ expires: { N: '5' } });
    expect(conditionItem(new ConditionalCheckFailedException(meta(400)))).toBeUndefined();
    expect(conditionItem('nope')).toBeUndefined();
  });

  test.each([
    ['ProvisionedThroughputExceededException', new ProvisionedThroughputExceededException(meta(400))],
    ['ThrottlingException', service('ThrottlingException', 400)],
    ['RequestLimitExceeded', service('RequestLimitExceeded', 400)],
  ])('%s is throttling', (_name, error) => {
    expect(classify(error)).toBe('throttled');
  });

  test('a missing table is its own kind', () => {
    expect(classify(new ResourceNotFoundException(meta(400)))).toBe('missing-table');
  });

  test.each([
    ['InternalServerError', service('InternalServerError', 500, 'server')],
    ['a bare 503', service('ServiceUnavailable', 503, 'server')],
    ['an unnamed 502', service('Whatever', 502, 'server')],
    ['TimeoutError', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    ['AbortError', Object.assign(new Error('aborted'), { name: 'AbortError' })],
    ['ECONNRESET', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['ECONNREFUSED', Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })],
    ['a bare socket error', new Error('socket closed unexpectedly')],
    // A renewal that meets a lock-checked transaction on its item: refused unapplied, retried.
    ['TransactionConflictException', service('TransactionConflictException', 400)],
  ])('%s is transient (may have been applied; retry is safe)', (_name, error) => {
    expect(classify(error)).toBe('transient');
  });

  test.each([
    ['AccessDeniedException', service('AccessDeniedException', 400)],
    ['UnrecognizedClientException', service('UnrecognizedClientException', 400)],
    ['InvalidSignatureException', service('InvalidSignatureException', 400)],
    ['no credentials', Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' })],
    ['no region', new Error('Region is missing')],
    ['TLS to a plain endpoint', Object.assign(new Error('write EPROTO wrong version number'), { code: 'EPROTO' })],
    ['an untrusted certificate', Object.assign(new Error('self-signed'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })],
    ['a certificate for another host', Object.assign(new Error('altname'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' })],
  ])('%s is misconfigured (no retry can help)', (_name, error) => {
    expect(classify(error)).toBe('misconfigured');
  });

  test.each([
    ['ValidationException', service('ValidationException', 400)],
    ['a plain bug', new TypeError('x is not a function')],
    ['a string', 'boom'],
    ['null', null],
  ])('%s is fatal', (_name, error) => {
    expect(classify(error)).toBe('fatal');
  });

  test('matches on name (SDK v3), not on a v2-style code', () => {
    expect(classify({ code: 'ConditionalCheckFailedException', message: 'x' })).toBe('fatal');
    expect(classify({ name: 'ConditionalCheckFailedException' })).toBe('conditional');
  });
});
