import { type ChildProcess, spawn } from 'node:child_process';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LockLostError } from '../../errors.js';
import { LeaderElection, type Leadership } from '../../leader-election.js';
import { deferred } from '../../runtime/deferred.js';
import { cliLogger } from '../framework/cli-logger.js';
import type { CliConfig } from '../framework/config.js';
import { EXIT, exitCodeForChild, exitCodeForSignal, exitCodeForSpawnError } from '../framework/exit-codes.js';
import { type Io, PREFIX } from '../framework/io.js';
import { FORWARDED_SIGNALS, onSignals, shouldForward } from '../framework/signals.js';
import { type ChildGuard, childEnded, guardChild } from './child-guard.js';
import { FirstContactGuard, unreachableMessage } from './first-contact.js';
import { childEnv, type RunPlan } from './run-plan.js';

/** What {@link runElected} needs from `run`. */
export interface ElectedRun {
  readonly plan: RunPlan;
  readonly config: CliConfig;
  readonly client: DynamoDBClient;
  readonly io: Io;
  readonly say: (message: string) => void;
}

/** The command of the term being led. */
interface Running {
  readonly child: ChildProcess;
  readonly guard: ChildGuard;
}

/**
 * `run --elect`: campaigns in the election named after the resource (a {@link LeaderElection},
 * whose lease is the lock's), runs the command for each term this instance leads, and stops it
 * on the lease's kill timeline when the term ends, so that it is dead before the lease could
 * end; then campaigns again. Resolves with run's exit code:
 * - the command exited by itself while leading: its code, after resigning (a standby takes
 *   over at once);
 * - SIGTERM, SIGINT or SIGHUP: resigns; the command's code when one ran (it got the signal, and
 *   SIGKILL after `--kill-after`), else 128+N;
 * - the command could not be started: 126 or 127, after resigning;
 * - DynamoDB never answered, or the table is missing: 1.
 * A lost term is no reason to exit: the command is stopped, and runs again in the next term.
 */
export async function runElected(o: ElectedRun): Promise<number> {
  const { plan, io, say } = o;
  const { resourceId } = plan;
  const logger = cliLogger(io, plan.verbose);
  const contact = new FirstContactGuard();
  /** Settles with the exit code once run must end; the election is then stopped. */
  const finished = deferred<number>();
  let unreachable: unknown;
  let received: NodeJS.Signals | undefined;
  let running: Running | undefined;
  // The last term's command, until it has exited: the next term's does not start before.
  let previous: Promise<unknown> = Promise.resolve();

  const lead = async ({ signal, term, tookOver }: Leadership): Promise<void> => {
    contact.answered();
    await previous;
    if (signal.aborted) return;
    const taken = tookOver ? ', taken over from a leader that had not resigned' : '';
    say(`leading \`${resourceId}\` (term ${term}${taken}): starting the command`);
    const [program, ...args] = plan.command;
    const child = spawn(program, args, { stdio: 'inherit', env: childEnv(io.env, resourceId, term) });
    const ended = childEnded(child);
    previous = ended;
    const guard = guardChild(child, {
      timeline: plan.timeline,
      resourceId,
      io,
      leaseEnd: () => election.expiresAt?.getTime(),
    });
    running = { child, guard };
    const onEnd = (): void => {
      const reason: unknown = signal.reason;
      if (received !== undefined) guard.stop(`${received}: resigning the leadership of \`${resourceId}\``, true);
      else if (reason instanceof LockLostError) {
        guard.stop(`lost the leadership of \`${resourceId}\` (${reason.reason}) while the command ran`);
      } else guard.stop(`the leadership of \`${resourceId}\` ended`);
    };
    signal.addEventListener('abort', onEnd, { once: true });

    const end = await ended;
    signal.removeEventListener('abort', onEnd);
    guard.dispose();
    running = undefined;
    if (end.kind === 'error') io.err(`${PREFIX} cannot run \`${program}\`: ${end.error.message}`);
    const code = end.kind === 'error' ? exitCodeForSpawnError(end.error) : exitCodeForChild(end.code, end.signal);
    if (received !== undefined) {
      finished.resolve(code);
    } else if (signal.aborted) {
      io.err(`${PREFIX} the command was stopped; campaigning for \`${resourceId}\` again`);
    } else if (guard.stopping) {
      // Stopped because a renewal was late, though the lease still holds: hand it over rather
      // than run the command again on a lease that is failing to renew.
      io.err(`${PREFIX} the command was stopped; resigning, then campaigning for \`${resourceId}\` again`);
      // Not awaited: resign() waits for this term's work, which is this function.
      void election.resign();
    } else {
      say(
        `the command exited ${end.kind === 'exit' && end.signal !== null ? `on ${end.signal}` : `with code ${code}`}`,
      );
      finished.resolve(code);
    }
  };

  const election = new LeaderElection(resourceId, {
    client: o.client,
    tableName: o.config.tableName,
    tableLayout: o.config.tableLayout,
    logger,
    ...(plan.duration === undefined ? {} : { duration: plan.duration }),
    onElected: lead,
    onDeposed: (reason) => say(`no longer leading \`${resourceId}\` (${reason})`),
    hooks: {
      contended: () => contact.answered(),
      throttled: (event) => {
        if (event.operation === 'acquire' && contact.failed(event.error)) {
          unreachable = event.error;
          logger.mute();
          finished.resolve(EXIT.ERROR);
        }
      },
    },
  });

  // The first signal resigns; the command, if one runs, gets it (as plain `run` passes it on)
  // and decides when to exit, within --kill-after. Later signals are passed on too.
  const offSignals = onSignals(FORWARDED_SIGNALS, (sig) => {
    const command = running;
    if (command !== undefined && shouldForward(sig, io.stdinIsTTY || io.stderrIsTTY)) {
      say(`passing ${sig} on to the command`);
      command.child.kill(sig);
    }
    if (received !== undefined) return;
    received = sig;
    if (command === undefined) finished.resolve(exitCodeForSignal(sig));
    void election.stop();
  });
  try {
    say(`campaigning for \`${resourceId}\` in ${o.config.tableName}`);
    await election.start();
    if (!election.isLeader() && received === undefined) say(`standing by: another instance leads \`${resourceId}\``);
    const code = await finished.promise;
    await election.stop();
    if (unreachable !== undefined && received === undefined) {
      io.err(unreachableMessage(unreachable, o.config.endpoint));
    } else say(`resigned \`${resourceId}\``);
    return code;
  } finally {
    offSignals();
    await election.stop();
  }
}

/** `run --help`'s section on `--elect`. */
export const ELECT_HELP = `With --elect, every instance started on <resource> campaigns, and only the leader runs the
command, with DYNAMO_DLM_FENCING_TOKEN set to its term (strictly increasing from term to term).
When a term ends (the lease was taken over, or not renewed in time), the command is stopped on
the timeline above, dead before the lease could end, and the instance campaigns again; the
command starts afresh in its next term. A standby waits as the lock waits (--no-wait and
--timeout do not apply). SIGTERM, SIGINT or SIGHUP resigns: the command gets the signal (SIGKILL
after --kill-after), the lease is released so that a standby takes over at once, and run exits
with the command's code (128+N when none ran). When the command exits by itself while leading,
run resigns the same way and exits with its code: supervise run --elect to restart it.`;
