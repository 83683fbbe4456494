import { type ChildProcess, spawn } from 'node:child_process';
import { LockLostError } from '../errors.js';
import type { DynamoDbLock } from '../lock.js';
import { MAX_TIMER_MS } from '../validate.js';
import type { CliLogger } from './cli-logger.js';
import { EXIT, exitCodeForChild, exitCodeForSpawnError } from './exit-codes.js';
import { formatDuration, formatTime } from './format.js';
import { type Io, PREFIX } from './io.js';
import { childEnv, type RunPlan } from './run-plan.js';

/** What {@link runChild} needs from `run`. */
export interface ChildRun {
  readonly plan: RunPlan;
  /** Held, renewing itself. */
  readonly lock: DynamoDbLock;
  readonly logger: CliLogger;
  readonly token: number;
  readonly io: Io;
  readonly say: (message: string) => void;
  /** Called with the child as soon as it is spawned (signals are then passed on to it). */
  readonly started: (child: ChildProcess) => void;
}

type ChildEnd =
  | { readonly kind: 'exit'; readonly code: number | null; readonly signal: NodeJS.Signals | null }
  | { readonly kind: 'error'; readonly error: Error };

/**
 * Runs the command while the lock is held, stops it on the {@link KillTimeline} so that it is
 * dead before the lease ends, releases the lock, and returns run's exit code.
 */
export async function runChild(o: ChildRun): Promise<number> {
  const { plan, lock, io } = o;
  const { timeline, resourceId } = plan;
  const [program, ...args] = plan.command;
  const child = spawn(program, args, { stdio: 'inherit', env: childEnv(io.env, resourceId, o.token) });
  o.started(child);

  let lost: LockLostError | undefined;
  let stopping = false;
  let leaseEnd = lock.expiresAt?.getTime() ?? Date.now();
  let timer: NodeJS.Timeout | undefined;
  const at = (whenMs: number, fn: () => void): void => {
    clearTimeout(timer);
    timer = setTimeout(fn, Math.min(MAX_TIMER_MS, Math.max(0, whenMs - Date.now())));
  };
  const kill = (): void => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    io.err(`${PREFIX} the command is still running: SIGKILL`);
    child.kill('SIGKILL');
  };
  const stop = (why: string): void => {
    if (stopping) return;
    stopping = true;
    // The lock has warned; its release will warn again. This message is the one that matters.
    o.logger.mute();
    const killAt = Math.min(Date.now() + timeline.killAfterMs, leaseEnd - timeline.killBeforeEndMs);
    io.err(
      `${PREFIX} ${why}; terminating it: SIGTERM now, SIGKILL in ${formatDuration(Math.max(0, killAt - Date.now()))}`,
    );
    child.kill('SIGTERM');
    at(killAt, kill);
  };
  // Wakes at the SIGTERM deadline of the current lease; a renewal has moved the end by then.
  const watch = (): void => {
    if (stopping) return;
    leaseEnd = lock.expiresAt?.getTime() ?? leaseEnd;
    const termAt = leaseEnd - timeline.termBeforeEndMs;
    if (Date.now() < termAt) at(termAt, watch);
    else stop(`the lease on \`${resourceId}\` was not renewed in time (it ends at ${formatTime(leaseEnd)})`);
  };
  const onLost = (): void => {
    const reason = lock.signal.reason;
    lost = reason instanceof LockLostError ? reason : undefined;
    stop(`lost the lock on \`${resourceId}\` while the command ran (${lost?.reason ?? 'lost'})`);
  };
  const leaseSignal = lock.signal;
  leaseSignal.addEventListener('abort', onLost, { once: true });
  watch();

  const end = await new Promise<ChildEnd>((resolve) => {
    child.once('error', (error) => resolve({ kind: 'error', error }));
    child.once('exit', (code, signal) => resolve({ kind: 'exit', code, signal }));
  });
  leaseSignal.removeEventListener('abort', onLost);
  clearTimeout(timer);

  try {
    await lock.release();
    o.say(`released \`${resourceId}\``);
  } catch (error) {
    if (!(error instanceof LockLostError)) {
      io.err(
        `${PREFIX} warning: releasing \`${resourceId}\` failed (${(error as Error).message}); the lease ends by itself within ${lock.duration} s`,
      );
    } else if (!stopping) {
      io.err(
        `${PREFIX} the lease on \`${resourceId}\` was lost before the command ended (${error.reason}): its work was not protected by the lock`,
      );
    }
    lost ??= error instanceof LockLostError ? error : undefined;
  }
  if (lost !== undefined || stopping) return EXIT.LEASE_LOST;
  if (end.kind === 'error') {
    io.err(`${PREFIX} cannot run \`${program}\`: ${end.error.message}`);
    return exitCodeForSpawnError(end.error);
  }
  o.say(`the command exited ${end.signal === null ? `with code ${end.code}` : `on ${end.signal}`}`);
  return exitCodeForChild(end.code, end.signal);
}
