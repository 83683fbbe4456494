import { type ChildProcess, spawn } from 'node:child_process';
import { LockLostError } from '../../errors.js';
import type { DynamoDbLock } from '../../lock.js';
import type { CliLogger } from '../framework/cli-logger.js';
import { EXIT, exitCodeForChild, exitCodeForSpawnError } from '../framework/exit-codes.js';
import { type Io, PREFIX } from '../framework/io.js';
import { childEnded, guardChild } from './child-guard.js';
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

/**
 * Runs the command while the lock is held, stops it on the lease's kill timeline (see
 * {@link guardChild}) so that it is dead before the lease ends, releases the lock, and returns run's exit code.
 */
export async function runChild(o: ChildRun): Promise<number> {
  const { plan, lock, io } = o;
  const { resourceId } = plan;
  const [program, ...args] = plan.command;
  const child = spawn(program, args, { stdio: 'inherit', env: childEnv(io.env, resourceId, o.token, lock.slot) });
  const ended = childEnded(child);
  o.started(child);

  let lost: LockLostError | undefined;
  const guard = guardChild(child, {
    timeline: plan.timeline,
    resourceId,
    io,
    leaseEnd: () => lock.expiresAt?.getTime(),
    // The lock has warned; its release will warn again. The guard's message is the one that matters.
    stopping: () => o.logger.mute(),
  });
  const onLost = (): void => {
    const reason = lock.signal.reason;
    lost = reason instanceof LockLostError ? reason : undefined;
    guard.stop(`lost the lock on \`${resourceId}\` while the command ran (${lost?.reason ?? 'lost'})`);
  };
  const leaseSignal = lock.signal;
  leaseSignal.addEventListener('abort', onLost, { once: true });

  const end = await ended;
  leaseSignal.removeEventListener('abort', onLost);
  guard.dispose();

  try {
    await lock.release();
    o.say(`released \`${resourceId}\``);
  } catch (error) {
    if (!(error instanceof LockLostError)) {
      io.err(
        `${PREFIX} warning: releasing \`${resourceId}\` failed (${(error as Error).message}); the lease ends by itself within ${lock.duration} s`,
      );
    } else if (!guard.stopping) {
      io.err(
        `${PREFIX} the lease on \`${resourceId}\` was lost before the command ended (${error.reason}): its work was not protected by the lock`,
      );
    }
    lost ??= error instanceof LockLostError ? error : undefined;
  }
  if (lost !== undefined || guard.stopping) return EXIT.LEASE_LOST;
  if (end.kind === 'error') {
    io.err(`${PREFIX} cannot run \`${program}\`: ${end.error.message}`);
    return exitCodeForSpawnError(end.error);
  }
  o.say(`the command exited ${end.signal === null ? `with code ${end.code}` : `on ${end.signal}`}`);
  return exitCodeForChild(end.code, end.signal);
}
