import { type DynamoDlmError, UnreachableError } from '../errors.js';
import type { LockContext } from '../runtime/context.js';
import { endpointLabel, hasAnswered, markAnswered, resolveEndpoint } from '../runtime/endpoint.js';
import { answered, errorText, misconfigured, unknownHost } from '../runtime/sdk-errors.js';

/**
 * How long the clean-up of a write that may have been applied waits for its answer when nothing
 * in this acquire was ever answered: the endpoint has shown no sign of life, so the acquire
 * settles soon after its last cut-off rather than a whole request timeout later. A write applied
 * unseen and left uncleared expires with its lease.
 */
export const SILENT_CLEAR_MS = 1_000;

/**
 * How long a write must go unanswered before an acquire that heard nothing else calls DynamoDB
 * unreachable: far above any answer a live table
 * gives (tens of milliseconds), so that a timeout that cut its one write short stays a timeout.
 */
export const SILENCE_EVIDENCE_MS = 1_000;

/**
 * What one `acquire()` has heard from DynamoDB. An acquire that never had an answer must not say
 * the lock is busy: it cannot know. The loop tells the tracker of every answer and error, and
 * asks it what to do where it would otherwise give up quietly.
 */
export class Contact {
  readonly #ctx: LockContext;
  readonly #blocking: boolean;
  /** What is acquired, for messages: "`x`", or "`a`, `b`" for a multi-lock. */
  readonly #subject: string;
  readonly #started: number;
  #answered = false;
  #errors = 0;
  /** Errors other than our own cut-off: a refused connection, a reset, a server error. */
  #spoken = 0;
  /** The longest any write of this acquire went unanswered before we cut it off, ms. */
  #longestSilenceMs = 0;
  #last: unknown;

  constructor(ctx: LockContext, blocking: boolean, subject = `\`${ctx.resourceId}\``) {
    this.#ctx = ctx;
    this.#blocking = blocking;
    this.#subject = subject;
    this.#started = ctx.clock.monotonic();
    // Ready long before any failure needs it in a message: a failure takes a network round trip.
    void resolveEndpoint(ctx.client());
  }

  /**
   * The last refusal (a `ConditionalCheckFailedException`) or error, a write cut off without an
   * answer only if nothing else was heard: the `cause` a busy lock is reported with.
   */
  get last(): unknown {
    return this.#last;
  }

  /** How long the clean-up of a possibly applied write may wait for its answer, ms; undefined for the usual cut-off. */
  get clearCutoffMs(): number | undefined {
    return this.#answered ? undefined : SILENT_CLEAR_MS;
  }

  /** A write was answered. */
  answer(): void {
    this.#answered = true;
    markAnswered(this.#ctx.client());
  }

  /**
   * A write failed with `error` (a refusal included); `noAnswerMs` is set when it was cut off
   * after that long without an answer. Returns the error to throw at once, when going on cannot
   * help: an unknown host through a client DynamoDB never answered, or a single try
   * (`blocking: false`) that got no answer within the cut-off.
   */
  error(error: unknown, noAnswerMs?: number): DynamoDlmError | undefined {
    // A write cut off by our own clock says less than what DynamoDB (or the network) said
    // before it: it is the cause only when nothing else was heard.
    if (noAnswerMs === undefined || this.#last === undefined) this.#last = error;
    this.#errors++;
    if (noAnswerMs === undefined) this.#spoken++;
    else this.#longestSilenceMs = Math.max(this.#longestSilenceMs, noAnswerMs);
    if (answered(error)) this.answer();
    if (this.#answered) return undefined;
    const client = this.#ctx.client();
    if (unknownHost(error) && !hasAnswered(client)) {
      return misconfigured(`acquire of ${this.#subject}`, error, endpointLabel(client));
    }
    if (!this.#blocking && noAnswerMs !== undefined) {
      return this.#unreachable(`its write got no answer within ${seconds(noAnswerMs)}`);
    }
    return undefined;
  }

  /**
   * Where the acquire would end without the lock (its timeout ran out, a single try gave up):
   * the {@link UnreachableError} to throw instead when DynamoDB never answered, else undefined.
   */
  unreachable(): UnreachableError | undefined {
    if (this.#answered || !this.#evidence()) return undefined;
    const elapsed = this.#ctx.clock.monotonic() - this.#started;
    const writes =
      this.#errors === 1 ? 'its one write got no answer' : `none of its ${this.#errors} writes got an answer`;
    return this.#unreachable(`${writes} in ${seconds(elapsed)}`);
  }

  /** At the end of an acquire without the lock: throws {@link unreachable}'s error, if any. */
  ended(): undefined {
    const error = this.unreachable();
    if (error !== undefined) throw error;
    return undefined;
  }

  /**
   * Whether what this acquire heard says DynamoDB is out of reach, not merely that its time ran
   * out: an error on the way (a refused connection, a reset), or a write left unanswered for
   * {@link SILENCE_EVIDENCE_MS}. A write cut off by a deadline sooner than that says nothing
   * either way, through a new client too (a first connection on a loaded machine took 0.9 s in
   * the contract test): that acquire timed out.
   */
  #evidence(): boolean {
    return this.#spoken > 0 || this.#longestSilenceMs >= SILENCE_EVIDENCE_MS;
  }

  #unreachable(what: string): UnreachableError {
    const endpoint = endpointLabel(this.#ctx.client());
    const where = endpoint === undefined ? 'DynamoDB' : `DynamoDB at ${endpoint}`;
    const last = this.#last === undefined ? '' : `; the last error: ${errorText(this.#last)}`;
    return new UnreachableError(
      `acquire of ${this.#subject} never reached ${where}: ${what}${last}. Whether the lock is held is unknown`,
      { cause: this.#last, endpoint },
    );
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

const refusals = new WeakMap<object, unknown>();

/** Remembers why `lock`'s latest acquire ended without the lock, for `withLock`'s error. */
export function recordRefusal(lock: object, cause: unknown): void {
  refusals.set(lock, cause);
}

/** The last refusal or error of `lock`'s latest acquire that ended without the lock. */
export function lastRefusal(lock: object): unknown {
  return refusals.get(lock);
}
