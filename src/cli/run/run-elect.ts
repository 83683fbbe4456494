import { LockLostError } from '../../errors.js';
import { LeaderElection, type Leadership } from '../../leader-election.js';
import { deferred } from '../../runtime/deferred.js';
import { EXIT } from '../framework/exit-codes.js';
import { PREFIX } from '../framework/io.js';
import { childEnv } from './run-plan.js';
import type { RunContext } from './supervisor.js';

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
 * - DynamoDB never answered, the table is missing, or DynamoDB cannot be used as configured (no
 *   region, no credentials, access denied, an unknown host), at the start or later: 1, with the error.
 * A lost term is no reason to exit: the command is stopped, and runs again in the next term.
 */
export async function runElected(o: RunContext): Promise<number> {
  const { plan, io, supervisor } = o;
  const { resourceId } = plan;
  /** Settles with the exit code once run must end; the election is then stopped. */
  const finished = deferred<number>();
  // The last term's command, until it has exited: the next term's does not start before.
  let previous: Promise<unknown> = Promise.resolve();

  const lead = async ({ signal, term, tookOver }: Leadership): Promise<void> => {
    supervisor.answered();
    await previous;
    if (signal.aborted) return;
    const taken = tookOver ? ', taken over from a leader that had not resigned' : '';
    supervisor.say(`leading \`${resourceId}\` (term ${term}${taken}): starting the command`);
    const running = supervisor.runCommand({
      lease: { signal, end: () => election.expiresAt?.getTime() },
      env: childEnv(io.env, resourceId, term),
      ended: (reason) => {
        const received = supervisor.received;
        if (received !== undefined) {
          return { why: `${received}: resigning the leadership of \`${resourceId}\``, signalled: true };
        }
        if (reason instanceof LockLostError) {
          return { why: `lost the leadership of \`${resourceId}\` (${reason.reason}) while the command ran` };
        }
        return { why: `the leadership of \`${resourceId}\` ended` };
      },
    });
    previous = running;
    const end = await running;
    if (supervisor.received !== undefined) {
      finished.resolve(end.code);
    } else if (signal.aborted) {
      io.err(`${PREFIX} the command was stopped; campaigning for \`${resourceId}\` again`);
    } else if (end.stopped) {
      // Stopped because a renewal was late, though the lease still holds: hand it over rather
      // than run the command again on a lease that is failing to renew.
      io.err(`${PREFIX} the command was stopped; resigning, then campaigning for \`${resourceId}\` again`);
      // Not awaited: resign() waits for this term's work, which is this function.
      void election.resign();
    } else {
      finished.resolve(end.code);
    }
  };

  const election = new LeaderElection(resourceId, {
    client: o.client,
    tableName: o.config.tableName,
    tableLayout: o.config.tableLayout,
    logger: supervisor.logger,
    ...(plan.duration === undefined ? {} : { duration: plan.duration }),
    onElected: lead,
    onDeposed: (reason) => supervisor.say(`no longer leading \`${resourceId}\` (${reason})`),
    hooks: {
      contended: () => supervisor.answered(),
      throttled: (event) => supervisor.throttled(event),
    },
  });

  // An error no campaign can get past (the table deleted, access revoked) stops the election
  // after the start too: run ends with it rather than stand by for ever.
  let failure: unknown;
  const watching = (async () => {
    for await (const event of election.events()) {
      if (event.type !== 'failed') continue;
      failure = event.error;
      finished.resolve(EXIT.ERROR);
    }
  })();

  // The first signal resigns: the command, if one runs, got it from the supervisor and decides
  // when to exit, within --kill-after (its term ends, and `ended` above says so). Without one,
  // and when DynamoDB never answered, run ends here.
  const stop = (): void => {
    if (!supervisor.commandRunning) finished.resolve(supervisor.stopped(`stopped campaigning for \`${resourceId}\``));
    void election.stop();
  };
  supervisor.stopping.addEventListener('abort', stop, { once: true });
  try {
    supervisor.say(`campaigning for \`${resourceId}\` in ${o.config.tableName}`);
    await election.start();
    if (!election.isLeader() && !supervisor.stopping.aborted) {
      supervisor.say(`standing by: another instance leads \`${resourceId}\``);
    }
    const code = await finished.promise;
    await election.stop();
    if (failure !== undefined && supervisor.received === undefined) {
      io.err(`${PREFIX} ${failure instanceof Error ? failure.message : String(failure)}`);
    } else if (!supervisor.stopping.aborted || supervisor.received !== undefined) {
      // Not when DynamoDB never answered: there was nothing to resign.
      supervisor.say(`resigned \`${resourceId}\``);
    }
    return code;
  } finally {
    supervisor.stopping.removeEventListener('abort', stop);
    await election.stop();
    await watching;
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
