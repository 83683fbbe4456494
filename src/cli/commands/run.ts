import type { ChildProcess } from 'node:child_process';
import { AbortedError } from '../../errors.js';
import { DynamoDbLock } from '../../lock.js';
import { UsageError } from '../framework/args.js';
import { cliLogger } from '../framework/cli-logger.js';
import { defineCommand } from '../framework/command.js';
import { EXIT, EXIT_CODES_HELP, exitCodeForSignal } from '../framework/exit-codes.js';
import { PREFIX } from '../framework/io.js';
import { FORWARDED_SIGNALS, onSignals, shouldForward } from '../framework/signals.js';
import { FirstContactGuard, unreachableMessage } from '../run/first-contact.js';
import { runChild } from '../run/run-child.js';
import { ELECT_HELP, runElected } from '../run/run-elect.js';
import { MAX_DEFAULT_KILL_AFTER_MS, planRun } from '../run/run-plan.js';
import { createWaitDisplay, waitMode } from '../run/wait-display.js';
import { formatDuration } from '../view/format.js';
import { type LockView, readLock, readSlots } from '../view/lock-view.js';

/** `dynamo-dlm run <resource> [options] -- <command> [args...]`. */
export const runCommand = defineCommand({
  name: 'run',
  summary: 'run a command while holding the lock (like flock(1), across machines)',
  description: `Acquires the lock on <resource>, runs <command> (stdin/stdout/stderr inherited) while renewing
the lease in the background, releases the lock when the command exits, and exits with the
command's exit code (128+N if it died of signal N).`,
  positionals: ['resource'],
  rest: '<command> [args...]',
  flags: {
    duration: { type: 'string', value: 'S', help: 'lease length in seconds; renewed every S/3', default: '10' },
    timeout: {
      type: 'string',
      value: 'S',
      help: `give up waiting after S seconds (exit ${EXIT.TIMED_OUT})`,
      default: 'wait forever',
    },
    'no-wait': { type: 'boolean', help: `fail at once if the lock is held elsewhere (exit ${EXIT.HELD})` },
    concurrency: {
      type: 'string',
      value: 'N',
      help: 'run at most N copies of the command at once, anywhere (needs --table-layout slots)',
      default: '1',
    },
    'kill-after': {
      type: 'string',
      value: 'S',
      help: 'seconds between SIGTERM and SIGKILL when the lease is not renewed in time',
      default: `half the room the lease leaves (see below), at most ${MAX_DEFAULT_KILL_AFTER_MS / 1000}`,
    },
    elect: {
      type: 'boolean',
      help: 'run the command only while this instance leads the election <resource> (see below)',
    },
    verbose: { type: 'boolean', short: 'v', help: 'say what happens on stderr (also when it is not a terminal)' },
  },
  notes: [
    `The command gets DYNAMO_DLM_FENCING_TOKEN (a number, strictly increasing for each acquisition
of <resource>: pass it to what you write, so that a stale holder's writes can be rejected) and
DYNAMO_DLM_RESOURCE; with --concurrency also DYNAMO_DLM_SLOT, the slot held (0 to N-1: tokens
increase per slot). SIGTERM and SIGHUP are passed on to the command, and so is SIGINT when no
terminal is attached (on a terminal, Ctrl-C reaches the command directly, once). While waiting,
any of them cancels the wait (exit 128+N).`,
    `The command is dead before its lease ends. If a renewal has not succeeded by the lease end less
the safety margin (the smaller of 2 s and a fifth of the lease) less --kill-after, the command
gets SIGTERM; if it still runs at the lease end less the safety margin, SIGKILL. If the lease is
taken over while the command runs, SIGTERM comes at once. Either way run exits ${EXIT.LEASE_LOST}.
--kill-after must leave room for the renewal due after a third of the lease.`,
    `While waiting on a terminal (or with --verbose), run shows who holds the lock and until when:
for that it reads the lock item (GetItem) every 2 s; needs dynamodb:GetItem, and works
without it, showing less. The lock itself only writes (UpdateItem).`,
    ELECT_HELP,
    EXIT_CODES_HELP,
  ],
  connect: true,
  async run({ io, flags, args, rest, config, client }) {
    const plan = planRun(flags, args.resource, rest);
    const { tableLayout } = config;
    if ((plan.concurrency ?? 1) > 1 && tableLayout !== 'slots') {
      throw new UsageError(
        `--concurrency ${plan.concurrency} needs a 'slots' table (sort key concurrency_id, as Python dynamo-dlm 2.x): add --table-layout slots (create one with \`dynamo-dlm create-table --table-layout slots\`)`,
      );
    }
    const say = (message: string): void => {
      if (plan.verbose) io.err(`${PREFIX} ${message}`);
    };
    if (plan.elect) return runElected({ plan, config, client, io, say });
    const { tableName } = config;
    const since = Date.now();
    const display = createWaitDisplay({
      io,
      mode: waitMode(io.stderrIsTTY, plan.verbose),
      resourceId: plan.resourceId,
      since,
      read: async () =>
        tableLayout === 'slots'
          ? firstToFree(await readSlots(client, tableName, plan.resourceId))
          : (await readLock(client, tableName, plan.resourceId)).view,
    });
    const logger = cliLogger(io, plan.verbose);
    const contact = new FirstContactGuard();
    let unreachable: unknown;
    const waiting = new AbortController();
    const lock = new DynamoDbLock(plan.resourceId, {
      tableName,
      tableLayout,
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
      ...(plan.concurrency === undefined ? {} : { concurrency: plan.concurrency }),
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
          io.err(unreachableMessage(unreachable, config.endpoint));
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
        `acquired \`${plan.resourceId}\` after ${formatDuration(Date.now() - since)} (${lock.slot === undefined ? '' : `slot ${lock.slot}, `}fencing token ${token}${lock.tookOver ? ', taken over from a holder that had not released it' : ''})`,
      );
      if (received !== undefined) {
        // The signal came while the acquire was already succeeding: do not start the command.
        await lock.release().catch(() => undefined);
        return exitCodeForSignal(received);
      }
      return await runChild({ plan, lock, logger, token, io, say, started: (c) => (child = c) });
    } finally {
      offSignals();
    }
  },
});

/** While every slot is held, the wait line shows the holder whose lease ends first. */
function firstToFree(views: readonly LockView[]): LockView | undefined {
  const held = views.filter((v) => v.state === 'held' && v.expiresAt !== undefined);
  return held.sort((a, b) => (a.expiresAt ?? 0) - (b.expiresAt ?? 0))[0] ?? views[0];
}
