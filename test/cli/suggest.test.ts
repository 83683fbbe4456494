import { describe, expect, test } from 'vitest';
import { editDistance, suggest } from '../../src/cli/framework/suggest.js';

const FLAGS = [
  'duration',
  'timeout',
  'no-wait',
  'concurrency',
  'kill-after',
  'elect',
  'verbose',
  'table',
  'table-layout',
];

describe('suggest', () => {
  test.each([
    ['durtion', 'duration'],
    ['duraton', 'duration'],
    ['timout', 'timeout'],
    ['nowait', 'no-wait'],
    ['concurency', 'concurrency'],
    ['tabel', 'table'],
    ['table_layout', 'table-layout'],
    // A unique beginning is enough.
    ['dur', 'duration'],
    ['kill', 'kill-after'],
  ])('%s: did you mean %s?', (typed, meant) => {
    expect(suggest(typed, FLAGS)).toBe(meant);
  });

  test('no guess when nothing is close, or when two are equally close', () => {
    expect(suggest('frobnicate', FLAGS)).toBeUndefined();
    expect(suggest('x', FLAGS)).toBeUndefined();
    // `tab` begins both `table` and `table-layout`, and is two edits from `table`.
    expect(suggest('tab', FLAGS)).toBeUndefined();
    expect(suggest('lists', ['list', 'lisp'])).toBe('list');
    expect(suggest('lis', ['list', 'lisp'])).toBeUndefined();
  });

  test('commands', () => {
    const commands = ['run', 'create-table', 'status', 'list', 'release', 'local', 'demo'];
    expect(suggest('stauts', commands)).toBe('status');
    expect(suggest('lst', commands)).toBe('list');
    expect(suggest('rn', commands)).toBe('run');
    expect(suggest('relase', commands)).toBe('release');
    expect(suggest('createtable', commands)).toBe('create-table');
    expect(suggest('lock', commands)).toBeUndefined();
  });
});

describe('editDistance', () => {
  test('inserts, deletes, replaces, and a swap of neighbours, one edit each', () => {
    expect(editDistance('', '')).toBe(0);
    expect(editDistance('run', 'run')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('abc', '')).toBe(3);
    expect(editDistance('lst', 'list')).toBe(1);
    expect(editDistance('list', 'lst')).toBe(1);
    expect(editDistance('list', 'lisp')).toBe(1);
    expect(editDistance('stauts', 'status')).toBe(1);
    expect(editDistance('ab', 'ba')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  test('is symmetric', () => {
    for (const [a, b] of [
      ['duration', 'durtion'],
      ['abcdef', 'badcfe'],
      ['table', 'table-layout'],
    ] as const) {
      expect(editDistance(a, b)).toBe(editDistance(b, a));
    }
  });
});
