import { describe, expect, test } from 'vitest';
import {
  formatDuration,
  formatLockLine,
  formatRelative,
  formatTable,
  formatWaitLine,
  formatWaitStatus,
  LIST_DATA_CHARS,
  lockRows,
  lockToJson,
} from '../../src/cli/view/format.js';
import { viewLock } from '../../src/cli/view/lock-view.js';

const NOW = Date.UTC(2030, 0, 2, 3, 4, 5);
const CODE = '0123456789abcdef0123456789abcdef';

const STRINGS = new Set(['release_code', 'owner', 'data']);

function item(fields: Record<string, string>) {
  const out: Record<string, { S: string } | { N: string }> = { resource_id: { S: 'job' } };
  for (const [k, v] of Object.entries(fields)) out[k] = STRINGS.has(k) ? { S: v } : { N: v };
  return out;
}

describe('viewLock', () => {
  test('no item: free', () => {
    expect(viewLock('job', undefined, NOW)).toMatchObject({
      state: 'free',
      holder: undefined,
      fencingToken: undefined,
    });
  });

  test('a live lease: held, with the first 8 characters of the code', () => {
    const v = viewLock('job', item({ release_code: CODE, expires_ms: String(NOW + 4200), fencing_token: '17' }), NOW);
    expect(v).toEqual({
      resourceId: 'job',
      state: 'held',
      owner: undefined,
      data: undefined,
      holder: '01234567',
      expiresAt: NOW + 4200,
      fencingToken: 17,
      forced: false,
    });
  });

  test('owner and data as the library reads them', () => {
    const v = viewLock(
      'job',
      item({ release_code: CODE, expires_ms: String(NOW + 4200), owner: 'worker-7', data: '{"step":2}' }),
      NOW,
    );
    expect(v).toMatchObject({ state: 'held', owner: 'worker-7', data: '{"step":2}', holder: '01234567' });
  });

  test('a lease past its end: expired; a released marker: released', () => {
    expect(viewLock('job', item({ release_code: CODE, expires_ms: String(NOW - 1) }), NOW).state).toBe('expired');
    const released = viewLock(
      'job',
      item({ release_code: CODE, expires: '0', expires_ms: '0', fencing_token: '3' }),
      NOW,
    );
    expect(released).toMatchObject({ state: 'released', expiresAt: undefined, fencingToken: 3, forced: false });
  });

  test('a Python 1.x item (whole seconds, no expires_ms, no token) is read by `expires`', () => {
    const v = viewLock('job', item({ release_code: CODE, expires: String(Math.ceil(NOW / 1000) + 5) }), NOW);
    expect(v).toMatchObject({ state: 'held', fencingToken: undefined });
  });

  test('a forced release is recognised and shows no holder', () => {
    const v = viewLock('job', item({ release_code: 'forced-abc', expires: '0', expires_ms: '0' }), NOW);
    expect(v).toMatchObject({ state: 'released', forced: true, holder: undefined });
  });
});

describe('formatting', () => {
  test('durations and relative times', () => {
    expect(formatDuration(4200)).toBe('4.2 s');
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(185_000)).toBe('3 min 5 s');
    expect(formatDuration(2 * 3600_000 + 600_000)).toBe('2 h 10 min');
    expect(formatDuration(26 * 3600_000)).toBe('1 d 2 h');
    expect(formatRelative(NOW + 1500, NOW)).toBe('in 1.5 s');
    expect(formatRelative(NOW - 1500, NOW)).toBe('1.5 s ago');
  });

  test('status lines', () => {
    const held = viewLock(
      'job',
      item({ release_code: CODE, expires_ms: String(NOW + 4200), fencing_token: '17' }),
      NOW,
    );
    expect(formatLockLine(held, NOW)).toBe(
      'job: held by 01234567 until 2030-01-02T03:04:09Z (4.2 s left), fencing token 17',
    );
    const owned = viewLock(
      'job',
      item({ release_code: CODE, expires_ms: String(NOW + 4200), fencing_token: '17', owner: 'w-7', data: 'a\nb' }),
      NOW,
    );
    // Data is JSON-quoted: a newline in it cannot break the line.
    expect(formatLockLine(owned, NOW)).toBe(
      'job: held by w-7 (01234567) until 2030-01-02T03:04:09Z (4.2 s left), fencing token 17; data "a\\nb"',
    );
    const released = viewLock(
      'job',
      item({ release_code: CODE, expires_ms: '0', expires: '0', fencing_token: '17', owner: 'w-7' }),
      NOW,
    );
    expect(formatLockLine(released, NOW)).toBe('job: free (released by w-7, last fencing token 17)');
    expect(formatLockLine(viewLock('x', undefined, NOW), NOW)).toBe('x: free (no lock item)');
    const forced = viewLock('job', item({ release_code: 'forced-1', expires_ms: '0', fencing_token: '9' }), NOW);
    expect(formatLockLine(forced, NOW)).toBe('job: free (released by release --force, last fencing token 9)');
    const expired = viewLock('job', item({ release_code: CODE, expires_ms: String(NOW - 3000) }), NOW);
    expect(formatLockLine(expired, NOW)).toMatch(/^job: free, expired 3\.0 s ago without release \(holder 01234567\)/);
  });

  test('JSON has ISO times and nulls', () => {
    const held = viewLock('job', item({ release_code: CODE, expires_ms: String(NOW), fencing_token: '1' }), NOW - 1);
    expect(lockToJson(held, NOW - 1)).toEqual({
      resourceId: 'job',
      state: 'held',
      owner: null,
      data: null,
      holder: '01234567',
      expiresAt: '2030-01-02T03:04:05.000Z',
      timeLeftMs: 1,
      fencingToken: 1,
      forcedRelease: false,
    });
    expect(lockToJson(viewLock('x', undefined, NOW), NOW)).toMatchObject({
      owner: null,
      data: null,
      holder: null,
      expiresAt: null,
      timeLeftMs: null,
      fencingToken: null,
    });
    const expired = viewLock(
      'job',
      item({ release_code: CODE, expires_ms: String(NOW - 5), owner: 'w', data: '' }),
      NOW,
    );
    expect(lockToJson(expired, NOW)).toMatchObject({ state: 'expired', owner: 'w', data: '', timeLeftMs: 0 });
  });

  test('tables align columns and do not pad the last one', () => {
    expect(
      formatTable([
        ['A', 'BB', 'C'],
        ['aaa', 'b', 'ccc'],
      ]),
    ).toEqual(['A    BB  C', 'aaa  b   ccc']);
    const rows = lockRows([viewLock('job', undefined, NOW)], NOW);
    expect(rows).toEqual([
      ['RESOURCE', 'STATE', 'OWNER', 'HOLDER', 'EXPIRES', 'LEFT', 'TOKEN', 'DATA'],
      ['job', 'free', '-', '-', '-', '-', '-', '-'],
    ]);
    const long = 'x'.repeat(100);
    const held = viewLock(
      'job',
      item({ release_code: CODE, expires_ms: String(NOW + 4200), fencing_token: '7', owner: 'w-7', data: long }),
      NOW,
    );
    const [, row] = lockRows([held], NOW);
    expect(row).toEqual([
      'job',
      'held',
      'w-7',
      '01234567',
      '2030-01-02T03:04:09Z',
      '4.2 s',
      '7',
      `"${'x'.repeat(LIST_DATA_CHARS - 2)}…`,
    ]);
    expect(row?.[7]).toHaveLength(LIST_DATA_CHARS);
  });

  test('the waiting line says who holds the lock and until when, once known', () => {
    const view = viewLock('job', item({ release_code: CODE, expires_ms: String(NOW + 2000), fencing_token: '5' }), NOW);
    expect(formatWaitStatus({ resourceId: 'job', waitedMs: 1200, attempts: 1, view: undefined }, NOW)).toBe(
      'waiting for `job` · waited 1.2 s, 1 attempt',
    );
    expect(formatWaitStatus({ resourceId: 'job', waitedMs: 1200, attempts: 3, view }, NOW)).toBe(
      'waiting for `job`: held by 01234567 (token 5) until 2030-01-02T03:04:07Z (in 2.0 s) · waited 1.2 s, 3 attempts',
    );
    const a = formatWaitLine(0, { resourceId: 'job', waitedMs: 0, attempts: 1, view }, NOW);
    const b = formatWaitLine(1, { resourceId: 'job', waitedMs: 0, attempts: 1, view }, NOW);
    expect(a.slice(2)).toBe(b.slice(2));
    expect(a[0]).not.toBe(b[0]);
  });
});
