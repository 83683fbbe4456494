import type { ChildProcess } from 'node:child_process';
import { MAX_TIMER_MS } from '../../options/validate.js';
import { type Io, PREFIX } from '../framework/io.js';
import { formatDuration, formatTime } from '../view/format.js';
import type { KillTimeline } from './run-plan.js';

/** How a command ended: it exited (or died of a signal), or it could not be started. */
export type ChildEnd =
  | { readonly kind: 'exit'; readonly code: number | null; readonly signal: NodeJS.Signals | null }
  | { readonly kind: 'error'; readonly error: Error };

/** Resolves when `child` has exited, or failed to start. Call it as soon as it is spawned. */
export function childEnded(child: ChildProcess): Promise<ChildEnd> {
  return new Promise<ChildEnd>((resolve) => {
    child.once('error', (error) => resolve({ kind: 'error', error }));
    child.once('exit', (code, signal) => resolve({ kind: 'exit', code, signal }));
  });
}

/** What {@link guardChild} watches, and where it reports. */
export interface GuardOptions {
  readonly timeline: KillTimeline;
  readonly resourceId: string;
  readonly io: Io;
  /**
   * The lease end now, ms since the epoch by this process's clock (a renewal moves it);
   * undefined once the lease is no longer held, when the last end read stays the deadline.
   */
  readonly leaseEnd: () => number | undefined;
  /** Called once, as the command is first told to stop (before the message is written). */
  readonly stopping?: () => void;
}

/** A running command kept to its lease's {@link KillTimeline}. */
export interface ChildGuard {
  /** True once {@link ChildGuard.stop} was called (by the caller or by the timeline). */
  readonly stopping: boolean;
  /**
   * Stops the command: SIGTERM now (unless `signalled`: it already got a signal to end), and
   * SIGKILL if it still runs after `--kill-after`, or at the lease end less the safety margin
   * if that comes first. The first call wins.
   */
  stop(why: string, signalled?: boolean): void;
  /** The command has exited: clears the timers. */
  dispose(): void;
}

/**
 * Keeps `child` to the lease: it wakes at each SIGTERM deadline of the current lease end (a
 * renewal has moved the end by then, and it sleeps again), and when the lease was not renewed
 * in time it stops the command, so that the command is dead before the lease ends. The one
 * place of that logic for `run` and `run --elect`.
 */
export function guardChild(child: ChildProcess, o: GuardOptions): ChildGuard {
  const { timeline, io } = o;
  let stopping = false;
  let leaseEnd = o.leaseEnd() ?? Date.now();
  let timer: NodeJS.Timeout | undefined;
  const at = (whenMs: number, fn: () => void): void => {
    clearTimeout(timer);
    timer = setTimeout(fn, Math.min(MAX_TIMER_MS, Math.max(0, whenMs - Date.now())));
  };
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const kill = (): void => {
    if (exited()) return;
    io.err(`${PREFIX} the command is still running: SIGKILL`);
    child.kill('SIGKILL');
  };
  const stop = (why: string, signalled = false): void => {
    if (stopping) return;
    stopping = true;
    o.stopping?.();
    const killAt = Math.min(Date.now() + timeline.killAfterMs, leaseEnd - timeline.killBeforeEndMs);
    const left = formatDuration(Math.max(0, killAt - Date.now()));
    io.err(
      signalled
        ? `${PREFIX} ${why}; SIGKILL in ${left} if the command still runs`
        : `${PREFIX} ${why}; terminating it: SIGTERM now, SIGKILL in ${left}`,
    );
    if (!signalled) child.kill('SIGTERM');
    at(killAt, kill);
  };
  const watch = (): void => {
    if (stopping) return;
    leaseEnd = o.leaseEnd() ?? leaseEnd;
    const termAt = leaseEnd - timeline.termBeforeEndMs;
    if (Date.now() < termAt) at(termAt, watch);
    else stop(`the lease on \`${o.resourceId}\` was not renewed in time (it ends at ${formatTime(leaseEnd)})`);
  };
  watch();
  return {
    get stopping() {
      return stopping;
    },
    stop,
    dispose: () => clearTimeout(timer),
  };
}
