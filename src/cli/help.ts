import { EXIT } from './exit-codes.js';

const CONNECTION = `Connection (flags win over the environment, which wins over the defaults):
  --table NAME       lock table            [env DYNAMO_DLM_TABLE; default dynamo_dlm_locks]
  --endpoint URL     DynamoDB endpoint     [env AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL]
  --region REGION    AWS region            [env AWS_REGION, AWS_DEFAULT_REGION; us-east-1 for a
                                            loopback endpoint]
  Credentials come from the usual AWS chain; a loopback endpoint with none configured gets
  dummy ones, which local DynamoDB servers accept.`;

const EXIT_CODES = `Exit codes:
  ${EXIT.OK}    success
  ${EXIT.ERROR}    error (DynamoDB unreachable, table missing, ...)
  ${EXIT.USAGE}    usage error (unknown command or flag, bad value)
  ${EXIT.HELD}   run --no-wait: the lock is held elsewhere
  ${EXIT.TIMED_OUT}  run --timeout: gave up waiting
  ${EXIT.LEASE_LOST}   run: the lease was lost while the command ran; the command was terminated
  ${EXIT.CANNOT_EXECUTE}/${EXIT.NOT_FOUND} run: the command could not be executed / was not found
  other run: the command's own exit code; 128+N when it died of signal N`;

/** `--help` texts, one per command. */
export const HELP: Readonly<Record<string, string>> = {
  main: `dynamo-dlm: a distributed lock kept in Amazon DynamoDB

Usage: dynamo-dlm <command> [options]

Commands:
  run <resource> [options] -- <command> [args...]
                         run a command while holding the lock (like flock(1), across machines)
  create-table           create the lock table (TTL enabled where supported)
  status <resource>      show who holds a lock and until when (reads the item)
  list                   show every lock in the table (scans the table)
  release --force <resource>
                         clear a lock held by someone else (operators' escape hatch)
  local                  run an embedded DynamoDB (dynalite) on 127.0.0.1 for development
  demo                   watch worker processes share one lock, and check mutual exclusion

Run \`dynamo-dlm <command> --help\` for a command's options.
  -h, --help             show help
  --version              show the version

${EXIT_CODES}`,

  run: `Usage: dynamo-dlm run <resource> [options] -- <command> [args...]

Acquires the lock on <resource>, runs <command> (stdin/stdout/stderr inherited) while renewing
the lease in the background, releases the lock when the command exits, and exits with the
command's exit code (128+N if it died of signal N).

  --duration S       lease length in seconds; renewed every S/3 while the command runs [10]
  --timeout S        give up waiting after S seconds (exit ${EXIT.TIMED_OUT})            [wait forever]
  --no-wait          fail at once if the lock is held elsewhere (exit ${EXIT.HELD})
  --kill-after S     if the lease is lost: seconds between SIGTERM and SIGKILL      [10]
  -v, --verbose      say what happens on stderr (also when it is not a terminal)
  -h, --help         show this help

The command gets DYNAMO_DLM_FENCING_TOKEN (a number, strictly increasing for each acquisition
of <resource>: pass it to what you write, so that a stale holder's writes can be rejected) and
DYNAMO_DLM_RESOURCE. SIGTERM and SIGHUP are passed on to the command, and so is SIGINT when no
terminal is attached (on a terminal, Ctrl-C reaches the command directly, once). While waiting,
any of them cancels the wait (exit 128+N). If the lease is lost while the command runs (taken over, or DynamoDB
unreachable for too long), the command gets SIGTERM, then SIGKILL after --kill-after seconds,
and dynamo-dlm exits ${EXIT.LEASE_LOST}.

While waiting on a terminal (or with --verbose), run shows who holds the lock and until when:
for that it reads the lock item (GetItem) every 2 s; needs dynamodb:GetItem, and works
without it, showing less. The lock itself only writes (UpdateItem).

${CONNECTION}

${EXIT_CODES}`,

  'create-table': `Usage: dynamo-dlm create-table [options]

Creates the lock table (on-demand, partition key resource_id (String)) and enables TTL on its
\`ttl\` attribute, so that DynamoDB deletes stale lock items. Safe to run again.
Needs dynamodb:CreateTable, DescribeTable, UpdateTimeToLive.

${CONNECTION}`,

  status: `Usage: dynamo-dlm status <resource> [options]

Shows whether <resource> is held, by which holder (the first 8 characters of its owner code),
until when, and its fencing token. Reads the item (GetItem, strongly consistent): needs
dynamodb:GetItem, which the lock itself never uses.

  --json             print JSON
  -h, --help         show this help

${CONNECTION}`,

  list: `Usage: dynamo-dlm list [options]

Lists every lock item in the table: state, holder, expiry, fencing token. Scans the whole table
(paginated; consumes read capacity in proportion to its size): needs dynamodb:Scan.

  --json             print JSON (an array)
  -h, --help         show this help

${CONNECTION}`,

  release: `Usage: dynamo-dlm release --force <resource> [options]

Releases a lock that someone else holds: an escape hatch for operators, for a holder that is
stuck but still renewing. The item becomes a released marker (its fencing token is kept, so
tokens keep increasing), and its owner code is replaced, so the old holder's next renewal or
release fails and \`run\` terminates its command. Asks for confirmation on a terminal.

  --force            required: say that you mean it
  -y, --yes          do not ask for confirmation (required when stdin is not a terminal)
  -h, --help         show this help

${CONNECTION}`,

  local: `Usage: dynamo-dlm local [options]

Runs an embedded DynamoDB (dynalite) on 127.0.0.1, creates the lock table, prints the
environment variables that point the AWS SDK and this CLI at it, and stays up until SIGINT or
SIGTERM. Needs the dynalite package (an optional peer dependency).

  --port N           port                                     [a free one]
  --path DIR         keep the data on disk in DIR              [in memory]
  --table NAME       lock table to create   [env DYNAMO_DLM_TABLE; default dynamo_dlm_locks]
  -h, --help         show this help`,

  demo: `Usage: dynamo-dlm demo [options]

Starts an embedded DynamoDB (dynalite) in this process, creates the lock table, and runs
worker processes that contend for one lock to increment a shared counter (read, then write:
unsafe without the lock). The worker holding the lock when the counter reaches half of one
worker's share is killed while holding it: the others wait for its lease to run out, and the
next acquire takes it over. Then the demo checks, from
the workers' recorded hold intervals, fencing tokens and the final counter, that no two
workers ever held the lock at once. Exits 0 when there was no violation, 1 otherwise.

  --workers N        worker processes (1-16)              [4]
  --increments N     increments per worker (1-1000)       [50]
  --no-crash         do not kill a worker
  -h, --help         show this help`,
};
