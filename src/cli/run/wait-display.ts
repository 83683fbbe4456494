import type { ContendedEvent } from '../../events.js';
import { type Io, PREFIX } from '../framework/io.js';
import { formatWaitLine, formatWaitStatus, type WaitInfo } from '../view/format.js';
import type { LockView } from '../view/lock-view.js';

/** How `run` reports a wait: a live line on a terminal, lines with --verbose, else nothing. */
export type WaitMode = 'tty' | 'verbose' | 'quiet';

/** Picks the mode: a terminal gets the live line; otherwise only --verbose speaks. */
export function waitMode(stderrIsTTY: boolean, verbose: boolean): WaitMode {
  return stderrIsTTY ? 'tty' : verbose ? 'verbose' : 'quiet';
}

/** Reports a wait for a lock. */
export interface WaitDisplay {
  /** The lock's `contended` hook. */
  contended(event: ContendedEvent): void;
  /** Clears the live line and stops the timers. */
  stop(): void;
}

export interface WaitDisplayOptions {
  readonly io: Io;
  readonly mode: WaitMode;
  readonly resourceId: string;
  /** Reads the lock item (GetItem); failures are ignored: the display then shows less. */
  readonly read: () => Promise<LockView | undefined>;
  /** When the wait began (epoch ms). */
  readonly since: number;
  readonly now?: () => number;
}

const FRAME_MS = 100;
const READ_MS = 2_000;
const VERBOSE_MS = 5_000;

/**
 * Starts at the first refused attempt, so that a free lock shows nothing. The lock itself never
 * reads; this display does (every 2 s on a terminal, every 5 s with --verbose) to say who holds
 * the lock, since dynalite and some servers do not return the holder on a refused write.
 */
export function createWaitDisplay(o: WaitDisplayOptions): WaitDisplay {
  const now = o.now ?? Date.now;
  let started: number | undefined;
  let attempts = 0;
  let view: LockView | undefined;
  let frame = 0;
  let timers: NodeJS.Timeout[] = [];
  let reading = false;
  let stopped = false;

  const info = (): WaitInfo => ({ resourceId: o.resourceId, waitedMs: now() - (started ?? now()), attempts, view });
  const refresh = (): void => {
    if (reading || stopped) return;
    reading = true;
    o.read()
      .then((v) => {
        if (v !== undefined) view = v;
      })
      .catch(() => undefined)
      .finally(() => {
        reading = false;
        if (o.mode === 'verbose' && !stopped) o.io.err(`${PREFIX} ${formatWaitStatus(info(), now())}`);
      });
  };
  const every = (ms: number, fn: () => void): void => {
    const timer = setInterval(fn, ms);
    timer.unref();
    timers.push(timer);
  };

  return {
    contended(event) {
      attempts = event.attempt;
      if (event.holderExpiresAt !== undefined && view === undefined) {
        view = {
          resourceId: o.resourceId,
          state: 'held',
          owner: undefined,
          data: undefined,
          holder: undefined,
          expiresAt: event.holderExpiresAt.getTime(),
          fencingToken: undefined,
          forced: false,
        };
      }
      if (started !== undefined || o.mode === 'quiet') return;
      started = o.since;
      refresh();
      if (o.mode === 'tty') {
        // A line wider than the terminal would wrap, and `\r` would then redraw only its tail.
        const width = Math.max(20, (o.io.columns ?? 120) - 1);
        every(FRAME_MS, () => o.io.errRaw(`\r\x1b[K${formatWaitLine(frame++, info(), now()).slice(0, width)}`));
        every(READ_MS, refresh);
      } else {
        every(VERBOSE_MS, refresh);
      }
    },
    stop() {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      timers = [];
      if (o.mode === 'tty' && started !== undefined) o.io.errRaw('\r\x1b[K');
    },
  };
}
