import { resolveLockOptions } from '../../options/lock-options.js';
import { checkConcurrency, checkResourceId } from '../../options/validate.js';
import { parseFlag, parseSeconds, UsageError } from '../framework/args.js';
import { formatDuration } from '../view/format.js';

/** The longest default grace between SIGTERM and SIGKILL, ms (a long lease leaves room for more). */
export const MAX_DEFAULT_KILL_AFTER_MS = 10_000;

/**
 * When `run` stops its command if the lease is not renewed, measured back from the lease end by
 * the holder's clock. The command must be dead before the lease ends, less the safety margin:
 *
 * ```
 * acquired/renewed ... renewal due ... SIGTERM ........ SIGKILL ...... lease end
 * |<---- renewMs ---->|               |<- killAfterMs ->|<- marginMs ->|
 * |<------------------------------ durationMs ------------------------>|
 * ```
 *
 * A renewal moves the lease end, and so the whole timeline, forward.
 */
export interface KillTimeline {
  readonly durationMs: number;
  readonly marginMs: number;
  readonly renewMs: number;
  readonly killAfterMs: number;
  /** SIGTERM when the lease still ends this soon (it was not renewed in time). */
  readonly termBeforeEndMs: number;
  /** SIGKILL this long before the lease ends, at the latest: the safety margin. */
  readonly killBeforeEndMs: number;
}

/**
 * The timeline for a lease of `durationS` (the library's default when undefined), with the
 * library's own safety margin and renew interval. Pure.
 *
 * @throws {@link UsageError} when `killAfterS` does not fit: SIGTERM would come before the first
 * renewal was even due, so every run would be stopped.
 */
export function killTimeline(durationS: number | undefined, killAfterS: number | undefined): KillTimeline {
  const { durationMs, marginMs, renewMs } = resolveLockOptions(durationS === undefined ? {} : { duration: durationS });
  // Between the renewal falling due and the SIGTERM deadline: time for the renewal (and its retries).
  const roomMs = durationMs - marginMs - renewMs;
  let killAfterMs = Math.min(MAX_DEFAULT_KILL_AFTER_MS, Math.floor(roomMs / 2));
  if (killAfterS !== undefined) {
    killAfterMs = Math.round(killAfterS * 1000);
    if (killAfterMs >= roomMs) {
      throw new UsageError(
        `--kill-after ${killAfterS} does not fit a ${durationMs / 1000} s lease: the command must be dead ${formatDuration(marginMs)} (the safety margin) before the lease ends, and SIGTERM may not come before the renewal due after ${formatDuration(renewMs)}, so --kill-after must be less than ${roomMs / 1000} s; lengthen --duration or shorten --kill-after`,
      );
    }
  }
  return {
    durationMs,
    marginMs,
    renewMs,
    killAfterMs,
    termBeforeEndMs: marginMs + killAfterMs,
    killBeforeEndMs: marginMs,
  };
}

/** Everything `run` needs from its command line. */
export interface RunPlan {
  readonly resourceId: string;
  /** The command and its arguments. */
  readonly command: readonly [string, ...string[]];
  /** Lease length, seconds; undefined for the library's default. */
  readonly duration: number | undefined;
  /** Wait limit, seconds; undefined waits forever. */
  readonly timeout: number | undefined;
  readonly wait: boolean;
  /** `--elect`: run the command only while leading the election named `resourceId`. */
  readonly elect: boolean;
  readonly verbose: boolean;
  readonly timeline: KillTimeline;
  /** Copies of the command that may run at once; undefined for the library's default (1). */
  readonly concurrency: number | undefined;
}

/** `run`'s flags as parsed. */
export interface RunFlags {
  readonly duration: string | undefined;
  readonly concurrency?: string | undefined;
  readonly timeout: string | undefined;
  readonly 'kill-after': string | undefined;
  readonly 'no-wait': boolean;
  readonly elect: boolean;
  readonly verbose: boolean;
}

/** Checks `run`'s flags against each other. Pure. */
export function planRun(flags: RunFlags, resource: string, command: readonly [string, ...string[]]): RunPlan {
  const wait = !flags['no-wait'];
  const timeout = parseSeconds('timeout', flags.timeout);
  if (!wait && timeout !== undefined) throw new UsageError('--no-wait and --timeout exclude each other');
  // A standby campaigns until it leads or is signalled: giving up is not what a standby is for.
  if (flags.elect && !wait) throw new UsageError('--elect campaigns until it leads: it excludes --no-wait');
  if (flags.elect && timeout !== undefined)
    throw new UsageError('--elect campaigns until it leads: it excludes --timeout');
  if (flags.elect && flags.concurrency !== undefined)
    throw new UsageError('--elect has one leader: it excludes --concurrency');
  const duration = parseSeconds('duration', flags.duration);
  return {
    resourceId: checkResourceId(resource, 'resource'),
    command,
    duration,
    timeout,
    wait,
    elect: flags.elect,
    verbose: flags.verbose,
    timeline: killTimeline(duration, parseSeconds('kill-after', flags['kill-after'])),
    concurrency: parseFlag('concurrency', flags.concurrency, checkConcurrency),
  };
}

/**
 * The child's environment: the caller's, plus the fencing token and the resource, and with
 * --concurrency the slot held (`DYNAMO_DLM_SLOT`; an inherited one is dropped otherwise).
 */
export function childEnv(
  env: Readonly<Record<string, string | undefined>>,
  resourceId: string,
  fencingToken: number,
  slot?: number,
): Record<string, string | undefined> {
  const { DYNAMO_DLM_SLOT: _inherited, ...rest } = env;
  return {
    ...rest,
    DYNAMO_DLM_FENCING_TOKEN: String(fencingToken),
    DYNAMO_DLM_RESOURCE: resourceId,
    ...(slot === undefined ? {} : { DYNAMO_DLM_SLOT: String(slot) }),
  };
}
