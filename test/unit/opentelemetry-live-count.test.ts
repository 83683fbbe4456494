/** LiveCount: the counts read at collection, from the objects themselves. */
import type { Attributes } from '@opentelemetry/api';
import { describe, expect, test } from 'vitest';
import { LiveCount } from '../../src/opentelemetry/live-count.js';

function read(count: LiveCount<{ live: boolean }>): [number, Attributes | undefined][] {
  const out: [number, Attributes | undefined][] = [];
  count.observe({ observe: (value, attributes) => out.push([value, attributes]) });
  return out;
}

describe('LiveCount', () => {
  test('counts what is live by attribute set, reports 0 for a set seen before, and forgets the dead', () => {
    const count = new LiveCount<{ live: boolean }>((t) => t.live);
    const [a, b, c] = [{ live: true }, { live: true }, { live: true }];
    count.add(a, { table: 'x' });
    count.add(b, { table: 'x' });
    count.add(c, { table: 'y' });
    expect(read(count)).toEqual([
      [2, { table: 'x' }],
      [1, { table: 'y' }],
    ]);
    // b's lease ended without an event (a release that failed): it is not live, and not counted.
    b.live = false;
    count.delete(c);
    expect(read(count)).toEqual([
      [1, { table: 'x' }],
      [0, { table: 'y' }],
    ]);
    // Forgotten: live again without add() (a new acquisition always adds), it is not counted.
    b.live = true;
    expect(read(count)).toEqual([
      [1, { table: 'x' }],
      [0, { table: 'y' }],
    ]);
  });
});
