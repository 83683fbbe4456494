import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/cli/framework/args.js';
import {
  EXIT,
  exitCodeForChild,
  exitCodeForError,
  exitCodeForSignal,
  exitCodeForSpawnError,
} from '../../src/cli/framework/exit-codes.js';
import { DynamoDbError, InvalidArgumentError, LockLostError, LockUnavailableError } from '../../src/index.js';

describe('exit codes', () => {
  test('are distinct from each other', () => {
    const codes = Object.values(EXIT);
    expect(new Set(codes).size).toBe(codes.length);
    expect(EXIT).toMatchObject({ OK: 0, ERROR: 1, USAGE: 2, HELD: 75, TIMED_OUT: 124, LEASE_LOST: 70 });
  });

  test('a child: its code, or 128 + the signal number', () => {
    expect(exitCodeForChild(0, null)).toBe(0);
    expect(exitCodeForChild(7, null)).toBe(7);
    expect(exitCodeForChild(null, 'SIGTERM')).toBe(143);
    expect(exitCodeForChild(null, 'SIGKILL')).toBe(137);
    expect(exitCodeForSignal('SIGINT')).toBe(130);
    expect(exitCodeForChild(null, null)).toBe(1);
  });

  test('errors map to their codes', () => {
    expect(exitCodeForError(new UsageError('x'))).toBe(2);
    expect(exitCodeForError(new InvalidArgumentError('x'))).toBe(2);
    expect(exitCodeForError(new LockLostError('r', 'taken', 'x'))).toBe(70);
    expect(exitCodeForError(new LockUnavailableError('r', 'x'))).toBe(75);
    expect(exitCodeForError(new DynamoDbError('x'))).toBe(1);
    expect(exitCodeForError(new Error('x'))).toBe(1);
  });

  test('a command that cannot start: 127 not found, 126 not executable, as shells do', () => {
    expect(exitCodeForSpawnError(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe(127);
    expect(exitCodeForSpawnError(Object.assign(new Error('x'), { code: 'EACCES' }))).toBe(126);
    expect(exitCodeForSpawnError(new Error('x'))).toBe(1);
  });
});
