import { AbortedError, LockLostError } from '../../errors.js';
import { DynamoDbLock } from '../../lock.js';
import { EXIT } from '../framework/exit-codes.js';
import { PREFIX } from '../framework/io.js';
import { formatDuration } from '../view/format.js';
import { type LockView, readLockView, readSlotViews } from '../view/lock-view.js';
import { childEnv } from './run-plan.js';
import type { RunContext } from './supervisor.js';
import { createWaitDisplay, waitMode } from './wait-display.js';

/**
 * `run`: acquires the lock (showing who holds it while it waits), runs the command under the
 * lease, releases the lock when the command exits, and resolves with run's exit code: the
 * command's own, 75 (--no-wait) or 124 (--timeout) when the lock was not had, 128+N when
 * signal N ended the wait, 70 when the lease was lost or not renewed in time while the command
 * ran, 1 when DynamoDB never answered.
 */
export async function runLocked(o: RunContext): Promise<number> {
  const { plan, io, supervisor } = o;
  const { resourceId } = plan;
  const { tableName, tableLayout } = o.config;
  const since = Date.now();
  const display = createWaitDisplay({
    io,
    mode: waitMode(io.stderrIsTTY, plan.verbose),
    resourceId,
    since,
    read: async () =>
      tableLayout === 'slots'
        ? firstToFree(await readSlotViews(o.client, tableName, resourceId))
        : (await readLockView(o.client, tableName, resourceId)).view,
  });
  const lock = new DynamoDbLock(resourceId, {
    tableName,
    tableLayout,
    client: o.client,
    autoRenew: true,
    logger: supervisor.logger,
    hooks: {
      contended: (event) => {
        supervisor.answered();
        display.contended(event);
      },
      throttled: (event) => supervisor.throttled(event),
    },
    ...(plan.duration === undefined ? {} : { duration: plan.duration }),
    ...(plan.concurrency === undefined ? {} : { concurrency: plan.concurrency }),
  });

  let acquired: boolean;
  try {
    supervisor.say(`acquiring \`${resourceId}\` in ${tableName}`);
    acquired = await lock.acquire({
      blocking: plan.wait,
      signal: supervisor.stopping,
      ...(plan.timeout === undefined ? {} : { timeout: plan.timeout }),
    });
  } catch (error) {
    if (error instanceof AbortedError && supervisor.stopping.aborted) {
      return supervisor.stopped(`stopped waiting for \`${resourceId}\``);
    }
    throw error;
  } finally {
    display.stop();
  }
  if (!acquired) {
    if (!plan.wait) {
      io.err(`${PREFIX} \`${resourceId}\` is held elsewhere (--no-wait)`);
      return EXIT.HELD;
    }
    io.err(`${PREFIX} timed out after ${plan.timeout} s waiting for \`${resourceId}\``);
    return EXIT.TIMED_OUT;
  }
  const token = lock.fencingToken ?? 0;
  supervisor.say(
    `acquired \`${resourceId}\` after ${formatDuration(Date.now() - since)} (${lock.slot === undefined ? '' : `slot ${lock.slot}, `}fencing token ${token}${lock.tookOver ? ', taken over from a holder that had not released it' : ''})`,
  );
  if (supervisor.stopping.aborted) {
    // The signal came while the acquire was already succeeding: do not start the command.
    await lock.release().catch(() => undefined);
    return supervisor.stopped(`released \`${resourceId}\` without running the command`);
  }

  const end = await supervisor.runCommand({
    lease: { signal: lock.signal, end: () => lock.expiresAt?.getTime() },
    env: childEnv(io.env, resourceId, token, lock.slot),
    ended: (reason) => ({
      why: `lost the lock on \`${resourceId}\` while the command ran (${reason instanceof LockLostError ? reason.reason : 'lost'})`,
    }),
    // The lock has warned; its release will warn again. The supervisor's message is the one that matters.
    muteOnStop: true,
  });
  let lost = end.stopped;
  try {
    await lock.release();
    supervisor.say(`released \`${resourceId}\``);
  } catch (error) {
    if (!(error instanceof LockLostError)) {
      io.err(
        `${PREFIX} warning: releasing \`${resourceId}\` failed (${(error as Error).message}); the lease ends by itself within ${lock.duration} s`,
      );
    } else if (!end.stopped) {
      io.err(
        `${PREFIX} the lease on \`${resourceId}\` was lost before the command ended (${error.reason}): its work was not protected by the lock`,
      );
    }
    lost ||= error instanceof LockLostError;
  }
  return lost ? EXIT.LEASE_LOST : end.code;
}

/** While every slot is held, the wait line shows the holder whose lease ends first. */
function firstToFree(views: readonly LockView[]): LockView | undefined {
  const held = views.filter((v) => v.state === 'held' && v.expiresAt !== undefined);
  return held.sort((a, b) => (a.expiresAt ?? 0) - (b.expiresAt ?? 0))[0] ?? views[0];
}
