import type { AttributeValue, UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { refreshRequest, ticketRequest } from '../item/queue-requests.js';
import { acquireRequest } from '../item/requests.js';
import type { LockContext } from '../runtime/context.js';
import {
  type Action,
  firstStep,
  graceMs,
  JOIN_AFTER_MS,
  nextStep,
  parseQueueView,
  type QueueView,
  type Step,
  type WaitSettings,
  type WaitState,
} from './wait-policy.js';

/**
 * One acquire's side of the queue: what it knows (its ticket, the item as last returned), the
 * write its current step sends, and what each answer teaches it. The decisions are the pure
 * functions of `wait-policy.ts`; this class only carries the state between writes. Internal to
 * the acquire loop.
 */
export class Waiter {
  readonly #ctx: LockContext;
  readonly #settings: WaitSettings;
  #s: WaitState;
  #step: Step;

  /**
   * @param now - wall-clock epoch ms at the start of the acquire.
   * @param blocking - false for a single try, which never queues.
   */
  constructor(ctx: LockContext, now: number, blocking: boolean) {
    this.#ctx = ctx;
    this.#settings = { maxPollMs: ctx.o.maxPollMs, skewMs: ctx.o.skewMs };
    // What this lock's own release saw, if it was lately: a pending queue is joined at once.
    const seen = ctx.seen !== undefined && now - ctx.seen.at < JOIN_AFTER_MS ? ctx.seen.view : undefined;
    this.#s = {
      startedAt: now,
      ticket: undefined,
      view: seen,
      viewFresh: false,
      itemMissing: false,
      refusals: 0,
      blind: 0,
      returnsItem: false,
      rttMs: undefined,
      knownAvgHoldMs: ctx.seen?.view.avgHoldMs,
      avgPollWaitMs: ctx.pollWaitMs,
    };
    this.#step = blocking
      ? firstStep(seen, ctx.pollWaitMs, this.#settings, ctx.clock.random)
      : { action: 'try', delayMs: 0 };
  }

  /** How long to wait before the first write, ms. */
  get firstDelayMs(): number {
    return this.#step.delayMs;
  }

  /**
   * The acquire took the lock at wall time `now`: the polled wait its release is to record in
   * the item's average (0 if never refused), or `undefined` when it came through the queue.
   */
  won(now: number): number | undefined {
    const s = this.#s;
    if (s.ticket !== undefined) return undefined;
    return s.refusals > 0 ? Math.max(0, now - s.startedAt) : 0;
  }

  /** Keeps the item's average polled wait where a view carried it, for this and later acquires. */
  #learnWait(view: QueueView | undefined): number | undefined {
    if (view?.avgWaitMs !== undefined) this.#ctx.pollWaitMs = view.avgWaitMs;
    return view?.avgWaitMs ?? this.#s.avgPollWaitMs;
  }

  /** The write the current step sends. */
  get action(): Action {
    return this.#step.action;
  }

  /** Whether that write takes the lock when admitted (rather than only informing). */
  get acquires(): boolean {
    const a = this.#step.action;
    return a === 'try' || a === 'head' || a === 'skip';
  }

  /** The current step's write, built for owner code `code` at wall time `now`. */
  request(code: string, now: number): UpdateItemCommandInput {
    const ctx = this.#ctx;
    const o = ctx.o;
    const target = { tableName: o.tableName, key: ctx.key(0) };
    const acquire = ctx.acquireInput(0, code, now);
    const { ticket, view } = this.#s;
    switch (this.#step.action) {
      case 'ticket':
        return ticketRequest(target);
      case 'refresh':
        return refreshRequest(target);
      case 'try':
        return acquireRequest({ ...acquire, graceMs: graceMs(this.#settings) });
      case 'head':
        return acquireRequest({ ...acquire, queue: { ticket: ticket as number } });
      case 'skip':
        return acquireRequest({
          ...acquire,
          queue: {
            ticket: ticket as number,
            skip: { seen: view?.serving as number, graceMs: graceMs(this.#settings) },
          },
        });
    }
  }

  /** A ticket or refresh was answered with the whole item. */
  informed(item: Record<string, AttributeValue> | undefined): void {
    const view = parseQueueView(item);
    const ticket = this.#step.action === 'ticket' ? view?.nextTicket : this.#s.ticket;
    const knownAvgHoldMs = view?.avgHoldMs ?? this.#s.knownAvgHoldMs;
    const avgPollWaitMs = this.#learnWait(view);
    this.#s = {
      ...this.#s,
      ticket,
      view,
      viewFresh: view !== undefined,
      itemMissing: false,
      blind: 0,
      knownAvgHoldMs,
      avgPollWaitMs,
    };
  }

  /** A ticket or refresh was refused: the item does not exist, so the lock is free and no queue is left. */
  missing(): void {
    this.#s = { ...this.#s, ticket: undefined, view: undefined, viewFresh: false, itemMissing: true };
  }

  /** An acquiring write was refused; `item` is the item where the server returned it. */
  refused(item: Record<string, AttributeValue> | undefined): void {
    const view = parseQueueView(item);
    const s = this.#s;
    this.#s = {
      ...s,
      view: view ?? s.view,
      viewFresh: view !== undefined,
      knownAvgHoldMs: view?.avgHoldMs ?? s.knownAvgHoldMs,
      avgPollWaitMs: this.#learnWait(view),
      returnsItem: s.returnsItem || view !== undefined,
      itemMissing: false,
      refusals: s.ticket === undefined ? s.refusals + 1 : s.refusals,
      blind: view === undefined && s.ticket !== undefined ? s.blind + 1 : 0,
    };
    // A void ticket is dropped when the policy says so (it asks for a fresh one, or a plain try).
  }

  /** A write of this acquire was answered after `ms`: the round trip its timing allows for. */
  observe(ms: number): void {
    const rtt = this.#s.rttMs;
    this.#s = { ...this.#s, rttMs: rtt === undefined ? ms : rtt + 0.25 * (ms - rtt) };
  }

  /** Decides the next step at wall time `now`; returns it. */
  next(now: number): Step {
    const step = nextStep(this.#s, now, this.#settings, this.#ctx.clock.random);
    if ((step.action === 'try' || step.action === 'ticket') && this.#s.ticket !== undefined) {
      this.#s = { ...this.#s, ticket: undefined };
    }
    this.#step = step;
    return step;
  }

  /** The item as last seen (for the `contended` event). */
  get view(): QueueView | undefined {
    return this.#s.view;
  }
}
