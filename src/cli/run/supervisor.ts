import { type ChildProcess, spawn } from 'node:child_process';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ThrottledEvent } from '../../events.js';
import { type CliLogger, cliLogger } from '../framework/cli-logger.js';
import type { CliConfig } from '../framework/config.js';
import { EXIT, exitCodeForChild, exitCodeForSignal, exitCodeForSpawnError } from '../framework/exit-codes.js';
import { type Io, PREFIX } from '../framework/io.js';
import { FORWARDED_SIGNALS, onSignals, shouldForward } from '../framework/signals.js';
import { childEnded, guardChild } from './child-guard.js';
import { FirstContactGuard, unreachableMessage } from './first-contact.js';
import type { RunPlan } from './run-plan.js';

/** What `run` and `run --elect` work with: the plan, the connection, and the supervision. */
export interface RunContext {
  readonly plan: RunPlan;
  readonly config: CliConfig;
  readonly client: DynamoDBClient;
  readonly io: Io;
  readonly supervisor: Supervisor;
}

/** The lease a command runs under: the lock's (`run`), or a term's (`run --elect`). */
export interface CommandLease {
  /** Aborts when the lease ends while the command runs: lost, taken over, or the term ended. */
  readonly signal: AbortSignal;
  /** The lease end now, epoch ms by this process's clock; undefined once it is no longer held. */
  readonly end: () => number | undefined;
}

/** One run of the command, under a lease. */
export interface CommandRun {
  readonly lease: CommandLease;
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * What to say when the lease ends while the command runs (given `lease.signal.reason`), and
   * whether the command already got a signal to end (then only SIGKILL follows, if need be).
   */
  readonly ended: (reason: unknown) => { readonly why: string; readonly signalled?: boolean };
  /** Mute the lock's logger once the command is stopped: `run` then ends, and the stop is what it reports. */
  readonly muteOnStop?: boolean;
}

/** How the command ended. */
export interface CommandEnd {
  /** run's exit code for it: the command's own, 128+N for signal N, 126 or 127 when it could not start. */
  readonly code: number;
  /** It was stopped on the lease's timeline: the lease ended, or was not renewed in time. */
  readonly stopped: boolean;
}

/** Why `run` stopped before its command could run. */
type Stop = { readonly signal: NodeJS.Signals } | { readonly unreachable: unknown };

/**
 * The one supervision of `run` and `run --elect`. It owns what the two share:
 * - the signals: while a command runs, SIGTERM and SIGHUP (and SIGINT off a terminal) are
 *   passed on to it; the first signal also aborts {@link Supervisor.stopping}, which ends a wait;
 * - the first contact: until DynamoDB has answered once, repeated network failures mean it is
 *   unreachable, which aborts {@link Supervisor.stopping} too, instead of retrying for ever;
 * - the command: spawned with stdio inherited, kept to its lease's kill timeline, and its end
 *   mapped to run's exit code;
 * - what run says: the lock's logger, and the lines of --verbose.
 */
export class Supervisor {
  /** The lock's logger: warnings always, the rest with --verbose. */
  readonly logger: CliLogger;
  readonly #plan: RunPlan;
  readonly #io: Io;
  readonly #endpoint: string | undefined;
  readonly #contact = new FirstContactGuard();
  readonly #stopping = new AbortController();
  /** Why run stopped: the first signal, or a DynamoDB that never answered, whichever came first. */
  #stop: Stop | undefined;
  #child: ChildProcess | undefined;

  constructor(plan: RunPlan, io: Io, endpoint: string | undefined) {
    this.#plan = plan;
    this.#io = io;
    this.#endpoint = endpoint;
    this.logger = cliLogger(io, plan.verbose);
  }

  /** Aborts on the first signal, or once DynamoDB is judged unreachable: stop waiting. */
  get stopping(): AbortSignal {
    return this.#stopping.signal;
  }

  /** The signal that stopped run, if one did. */
  get received(): NodeJS.Signals | undefined {
    return this.#stop !== undefined && 'signal' in this.#stop ? this.#stop.signal : undefined;
  }

  /** Whether a command runs (signals then go to it). */
  get commandRunning(): boolean {
    return this.#child !== undefined;
  }

  /** A line on stderr with --verbose. */
  say(message: string): void {
    if (this.#plan.verbose) this.#io.err(`${PREFIX} ${message}`);
  }

  /** DynamoDB answered (a refusal, a lease won): from now on, failures are blips to wait through. */
  answered(): void {
    this.#contact.answered();
  }

  /** The lock's `throttled` hook: a failure to acquire before any answer may mean DynamoDB is unreachable. */
  throttled(event: ThrottledEvent): void {
    if (event.operation !== 'acquire' || !this.#contact.failed(event.error)) return;
    // The lock would warn on every retry; the one message that matters comes from stopped().
    this.logger.mute();
    this.#halt({ unreachable: event.error });
  }

  /** Runs `body` with the signal handlers installed: while it runs, no signal kills this process. */
  async supervise(body: () => Promise<number>): Promise<number> {
    const off = onSignals(FORWARDED_SIGNALS, (signal) => this.#signalled(signal));
    try {
      return await body();
    } finally {
      off();
    }
  }

  /**
   * After {@link Supervisor.stopping} aborted before the command ran: says why (`what` names
   * what stopped: "stopped waiting for `x`") and returns run's exit code: 128+N for signal N,
   * 1 when DynamoDB never answered.
   */
  stopped(what: string): number {
    const stop = this.#stop;
    if (stop === undefined) throw new Error('stopped() called before run was stopped');
    if ('unreachable' in stop) {
      this.#io.err(unreachableMessage(stop.unreachable, this.#endpoint));
      return EXIT.ERROR;
    }
    this.#io.err(`${PREFIX} ${stop.signal}: ${what}`);
    return exitCodeForSignal(stop.signal);
  }

  /**
   * Runs the command under `run.lease`, passes signals on to it while it runs, and stops it
   * when the lease ends or is not renewed in time, so that it is dead before the lease could
   * end (see `guardChild`). Resolves when it has exited, or failed to start (and says which).
   */
  async runCommand(run: CommandRun): Promise<CommandEnd> {
    const [program, ...args] = this.#plan.command;
    const child = spawn(program, args, { stdio: 'inherit', env: run.env });
    const ended = childEnded(child);
    this.#child = child;
    const guard = guardChild(child, {
      timeline: this.#plan.timeline,
      resourceId: this.#plan.resourceId,
      io: this.#io,
      leaseEnd: run.lease.end,
      ...(run.muteOnStop === true ? { stopping: () => this.logger.mute() } : {}),
    });
    const onEnd = (): void => {
      const { why, signalled } = run.ended(run.lease.signal.reason);
      guard.stop(why, signalled);
    };
    run.lease.signal.addEventListener('abort', onEnd, { once: true });
    const end = await ended;
    run.lease.signal.removeEventListener('abort', onEnd);
    guard.dispose();
    this.#child = undefined;
    if (end.kind === 'error') {
      this.#io.err(`${PREFIX} cannot run \`${program}\`: ${end.error.message}`);
      return { code: exitCodeForSpawnError(end.error), stopped: guard.stopping };
    }
    this.say(`the command exited ${end.signal === null ? `with code ${end.code}` : `on ${end.signal}`}`);
    return { code: exitCodeForChild(end.code, end.signal), stopped: guard.stopping };
  }

  #signalled(signal: NodeJS.Signals): void {
    const child = this.#child;
    if (child !== undefined && shouldForward(signal, this.#io.stdinIsTTY || this.#io.stderrIsTTY)) {
      this.say(`passing ${signal} on to the command`);
      child.kill(signal);
    }
    this.#halt({ signal });
  }

  #halt(stop: Stop): void {
    this.#stop ??= stop;
    this.#stopping.abort(new Error('signal' in stop ? `received ${stop.signal}` : 'DynamoDB unreachable'));
  }
}
