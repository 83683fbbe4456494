import { type Clock, systemClock } from './clock.js';

/**
 * The test seam, kept out of every public signature: a test attaches a {@link Clock} to the
 * options object it passes, and the lock built from those options reads time through it.
 * Nothing here is exported from the package entry, so the published types show only the public
 * constructor.
 */
const clocks = new WeakMap<object, Clock>();

/** Returns `options` with `clock` attached; for tests. */
export function withClock<const T extends object>(options: T, clock: Clock): T {
  clocks.set(options, clock);
  return options;
}

/** The clock attached to `options`, or the real one. */
export function clockOf(options: unknown): Clock {
  return (typeof options === 'object' && options !== null && clocks.get(options)) || systemClock;
}
