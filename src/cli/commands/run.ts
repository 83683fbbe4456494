import { UsageError } from '../framework/args.js';
import { defineCommand } from '../framework/command.js';
import { EXIT, EXIT_CODES_HELP } from '../framework/exit-codes.js';
import { ELECT_HELP, runElected } from '../run/run-elect.js';
import { runLocked } from '../run/run-locked.js';
import { MAX_DEFAULT_KILL_AFTER_MS, planRun } from '../run/run-plan.js';
import { Supervisor } from '../run/supervisor.js';

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
    if ((plan.concurrency ?? 1) > 1 && config.tableLayout !== 'slots') {
      throw new UsageError(
        `--concurrency ${plan.concurrency} needs a 'slots' table (sort key concurrency_id, as Python dynamo-dlm 2.x): add --table-layout slots (create one with \`dynamo-dlm create-table --table-layout slots\`)`,
      );
    }
    const supervisor = new Supervisor(plan, io, config.endpoint);
    const o = { plan, config, client, io, supervisor };
    return supervisor.supervise(() => (plan.elect ? runElected(o) : runLocked(o)));
  },
});
