import { afterEach, describe, expect, test } from 'vitest';
import { defaults, resetDefaults } from '../../src/defaults.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { MAX_TIMER_SECONDS } from '../../src/options/validate.js';

afterEach(() => resetDefaults());

const loose = defaults as unknown as Record<string, unknown>;

describe('defaults: only its own names', () => {
  test.each(['toString', 'valueOf', 'hasOwnProperty', 'constructor', '__proto__', 'isPrototypeOf'])(
    'assigning `%s` (a name every object inherits) is an unknown default',
    (name) => {
      expect(() => {
        loose[name] = 5;
      }).toThrow(InvalidArgumentError);
      expect(() => {
        loose[name] = 5;
      }).toThrow(/Unknown default/);
      expect(Object.getPrototypeOf(defaults)).toBe(Object.prototype);
      expect(Object.keys(defaults)).toEqual(['duration', 'tableName', 'concurrency', 'tableLayout']);
    },
  );

  test('freezing or re-prototyping it is refused with a typed error, and assignments keep working', () => {
    expect(() => Object.freeze(defaults)).toThrow(InvalidArgumentError);
    expect(() => Object.preventExtensions(defaults)).toThrow(InvalidArgumentError);
    expect(() => Object.setPrototypeOf(defaults, { duration: 1 })).toThrow(InvalidArgumentError);
    defaults.duration = 3;
    expect(defaults.duration).toBe(3);
  });

  test('a duration longer than a timer holds is refused at the assignment', () => {
    expect(() => {
      defaults.duration = 30 * 86_400;
    }).toThrow(/defaults\.duration/);
    defaults.duration = MAX_TIMER_SECONDS;
    expect(defaults.duration).toBe(MAX_TIMER_SECONDS);
  });
});
