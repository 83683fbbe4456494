import { type ChildProcess, spawn } from 'node:child_process';
import { AbortedError, LockLostError } from '../../errors.js';
import { DynamoDbLock } from '../../lock.js';
import { type CliLogger, cliLogger } from '../cli-logger.js';
import type { Command } from '../command.js';
import { createClient } from '../config.js';
import { EXIT, exitCodeForChild, exitCodeForSignal, exitCodeForSpawnError } from '../exit-codes.js';
import { FirstContactGuard } from '../first-contact.js';
import { formatDuration } from '../format.js';
import { HELP } from '../help.js';
import { type Io, PREFIX } from '../io.js';
import { readLock } from '../read-lock.js';
import { childEnv, parseRunArgs, type RunPlan } from '../run-plan.js';
import { FORWARDED_SIGNALS, onSignals, shouldForward } from '../signals.js';
import { createWaitDisplay, waitMode } from '../wait-display.js';

/** `dynamo-dlm run <resource> [options] -- <command> [args...]`. */
export const runCommand: Command = async (args, io) => {
  const plan = parseRunArgs(args, io.env);
  if (plan === 'help') {
    io.out(HELP.run ?? '');
    return EXIT.OK;
  }
  const say = (message: string): void => {
    if (plan.verbose) io.err(`${PREFIX} ${message}`);
  };
  const client = createClient(plan.config, 'lock');
  const { tableName } = plan.config;
  const since = Date.now();
  const display = createWaitDisplay({
    io,
    mode: waitMode(io.stderrIsTTY, plan.verbose),
    resourceId: plan.resourceId,
    since,
    read: () => readLock(client, tableName, plan.resourceId),
  });
  const logger = cliLogger(io, plan.verbose);
  const contact = new FirstContactGuard();
  let unreachable: unknown;
  const waiting = new AbortController();
  const lock = new DynamoDbLock(plan.resourceId, {
    tableName,
    client,
    autoRenew: true,
    logger,
    hooks: {
      contended: (event) => {
        contact.answered();
        display.contended(event);
      },
      throttled: (event) => {
        if (event.operation === 'acquire' && contact.failed(event.error)) {
          unreachable = event.error;
          logger.mute();
          waiting.abort(new Error('DynamoDB unreachable'));
        }
      },
    },
    ...(plan.duration === undefined ? {} : { duration: plan.duration }),
  });

  // One handler for the whole command: while waiting, a signal cancels the wait; once the
  // command runs, it is passed on, and the command decides when to exit.
  let child: ChildProcess | undefined;
  let received: NodeJS.Signals | undefined;
  const offSignals = onSignals(FORWARDED_SIGNALS, (signal) => {
    if (child !== undefined) {
      if (!shouldForward(signal, io.stdinIsTTY || io.stderrIsTTY)) return;
      say(`passing ${signal} on to the command`);
      child.kill(signal);
    } else {
      received ??= signal;
      waiting.abort(new Error(`received ${signal}`));
    }
  });
  try {
    let acquired: boolean;
    try {
      say(`acquiring \`${plan.resourceId}\` in ${tableName}`);
      acquired = await lock.acquire({
        blocking: plan.wait,
        signal: waiting.signal,
        ...(plan.timeout === undefined ? {} : { timeout: plan.timeout }),
      });
    } catch (error) {
      if (error instanceof AbortedError && unreachable !== undefined && received === undefined) {
        const detail = unreachable instanceof Error ? unreachable.message : String(unreachable);
        io.err(
          `${PREFIX} cannot reach DynamoDB${plan.config.endpoint === undefined ? '' : ` at ${plan.config.endpoint}`}: ${detail}`,
        );
        return EXIT.ERROR;
      }
      if (error instanceof AbortedError && received !== undefined) {
        io.err(`${PREFIX} ${received}: stopped waiting for \`${plan.resourceId}\``);
        return exitCodeForSignal(received);
      }
      throw error;
    } finally {
      display.stop();
    }
    if (!acquired) {
      if (!plan.wait) {
        io.err(`${PREFIX} \`${plan.resourceId}\` is held elsewhere (--no-wait)`);
        return EXIT.HELD;
      }
      io.err(`${PREFIX} timed out after ${plan.timeout} s waiting for \`${plan.resourceId}\``);
      return EXIT.TIMED_OUT;
    }
    const token = lock.fencingToken ?? 0;
    say(
      `acquired \`${plan.resourceId}\` after ${formatDuration(Date.now() - since)} (fencing token ${token}${lock.tookOver ? ', taken over from a holder that had not released it' : ''})`,
    );
    if (received !== undefined) {
      // The signal came while the acquire was already succeeding: do not start the command.
      await lock.release().catch(() => undefined);
      return exitCodeForSignal(received);
    }
    return await runChild(plan, lock, logger, token, io, say, (c) => {
      child = c;
    });
  } finally {
    offSignals();
    client.destroy();
  }
};

type ChildEnd =
  | { readonly kind: 'exit'; readonly code: number | null; readonly signal: NodeJS.Signals | null }
  | { readonly kind: 'error'; readonly error: Error };

async function runChild(
  plan: RunPlan,
  lock: DynamoDbLock,
  logger: CliLogger,
  token: number,
  io: Io,
  say: (message: string) => void,
  started: (child: ChildProcess) => void,
): Promise<number> {
  const [program, ...args] = plan.command;
  const child = spawn(program, args, { stdio: 'inherit', env: childEnv(io.env, plan.resourceId, token) });
  started(child);

  let lost: LockLostError | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const onLost = (): void => {
    const reason = lock.signal.reason;
    lost = reason instanceof LockLostError ? reason : undefined;
    // The lock has warned once; its release will warn again. This message is the one that matters.
    logger.mute();
    io.err(
      `${PREFIX} lost the lock on \`${plan.resourceId}\` while the command ran (${lost?.reason ?? 'lost'}); ` +
        `terminating it: SIGTERM now, SIGKILL in ${formatDuration(plan.killAfterMs)}`,
    );
    child.kill('SIGTERM');
    killTimer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) {
        io.err(`${PREFIX} the command is still running: SIGKILL`);
        child.kill('SIGKILL');
      }
    }, plan.killAfterMs);
  };
  const leaseSignal = lock.signal;
  leaseSignal.addEventListener('abort', onLost, { once: true });

  const end = await new Promise<ChildEnd>((resolve) => {
    child.once('error', (error) => resolve({ kind: 'error', error }));
    child.once('exit', (code, signal) => resolve({ kind: 'exit', code, signal }));
  });
  leaseSignal.removeEventListener('abort', onLost);
  clearTimeout(killTimer);

  try {
    await lock.release();
    say(`released \`${plan.resourceId}\``);
  } catch (error) {
    if (error instanceof LockLostError) {
      if (lost === undefined) {
        io.err(
          `${PREFIX} the lease on \`${plan.resourceId}\` was lost before the command ended (${error.reason}): its work was not protected by the lock`,
        );
      }
      lost ??= error;
    } else {
      io.err(
        `${PREFIX} warning: releasing \`${plan.resourceId}\` failed (${(error as Error).message}); the lease ends by itself within ${lock.duration} s`,
      );
    }
  }
  if (lost !== undefined) return EXIT.LEASE_LOST;
  if (end.kind === 'error') {
    io.err(`${PREFIX} cannot run \`${program}\`: ${end.error.message}`);
    return exitCodeForSpawnError(end.error);
  }
  const code = exitCodeForChild(end.code, end.signal);
  say(`the command exited ${end.signal === null ? `with code ${end.code}` : `on ${end.signal}`}`);
  return code;
}
