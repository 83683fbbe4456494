import type { UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import {
  beatRequest,
  leaveRequest,
  lookRequest,
  type MarkingTarget,
  passRequest,
  skipRequest,
  ticketRequest,
} from '../item/queue-requests.js';
import { parseQueueView, pending, place, type QueueView } from '../item/queue-view.js';
import { acquireRequest } from '../item/requests.js';
import type { LockContext } from '../runtime/context.js';
import type { Item, PlannedWrite, WaitStrategy } from './strategy.js';
import { doneMark, firstStep, goneAfter, nextStep, rightOfWayUntil } from './wait-policy.js';
import {
  type Action,
  coverBound,
  holdAge,
  type Step,
  TUNING,
  type WaitSettings,
  type WaitState,
} from './wait-state.js';

/** The writes that take the lock when admitted; the others only inform. */
const ACQUIRING: ReadonlySet<Action> = new Set(['try', 'take']);

/**
 * How an acquire of a single-slot lock waits: it carries what the waiter knows between writes
 * (its ticket, the item as last returned, the longest hold it saw), builds the write of each step,
 * and asks the pure policy (`wait-policy.ts`) for the next one after each answer.
 */
export class QueueWaiter implements WaitStrategy {
  readonly #ctx: LockContext;
  readonly #settings: WaitSettings;
  #s: WaitState;
  #step: Step;

  /**
   * @param now - wall-clock epoch ms at the start of the acquire.
   * @param deadline - wall-clock epoch ms at which it gives up (`Infinity`: never).
   */
  constructor(ctx: LockContext, now: number, deadline: number, blocking: boolean) {
    this.#ctx = ctx;
    this.#settings = { maxPollMs: ctx.o.maxPollMs, skewMs: ctx.o.skewMs };
    const remembered = ctx.memory.lastRelease;
    this.#s = {
      blocking,
      startedAt: now,
      deadline,
      ticket: ctx.memory.ticket,
      view: remembered?.view,
      viewFresh: false,
      viewAt: remembered?.at ?? now,
      itemMissing: false,
      refusals: ctx.memory.recentRefusals(now, ctx.o.maxPollMs),
      returnsItem: false,
      rttMs: undefined,
      longest: undefined,
      firstSeen: undefined,
    };
    this.#step = firstStep(this.#s, now, this.#settings, ctx.clock.random);
    this.#remember();
  }

  /**
   * The lock remembers the ticket until it is served or done: a write that takes the lock ends it
   * (as the head, or out of turn, marking it done), and a refused one brings it back here.
   */
  #remember(): void {
    const action = this.#step.action;
    const ends = action === 'take' || (action === 'try' && doneMark(this.#s) !== undefined);
    this.#ctx.memory.queued(ends ? undefined : this.#s.ticket);
  }

  get firstDelayMs(): number {
    return this.#step.delayMs;
  }

  write(code: string, now: number): PlannedWrite {
    return { request: this.#request(code, now), slot: 0, acquires: ACQUIRING.has(this.#step.action) };
  }

  #request(code: string, now: number): UpdateItemCommandInput {
    const ctx = this.#ctx;
    const target: MarkingTarget = { tableName: ctx.o.tableName, key: ctx.key(0), now, skewMs: this.#settings.skewMs };
    const ticket = this.#s.ticket as number;
    switch (this.#step.action) {
      case 'try':
        return acquireRequest({ ...ctx.acquireInput(0, code, now), done: doneMark(this.#s) });
      case 'take':
        return acquireRequest({ ...ctx.acquireInput(0, code, now), claim: { kind: 'head', ticket } });
      case 'ticket':
        return ticketRequest(target);
      case 'look':
        return lookRequest(target);
      case 'beat':
        return beatRequest({ ...target, ticket, until: rightOfWayUntil(now, this.#settings) });
      case 'pass': {
        const at = place(ticket, this.#s.view as QueueView);
        const over = at.kind === 'behind' ? at.over : [];
        return passRequest({ ...target, ticket, until: rightOfWayUntil(now, this.#settings), over });
      }
      case 'skip': {
        const v = this.#s.view as QueueView;
        const gone = goneAfter(Math.max(1, pending(v) - 1), coverBound(this.#s, now, this.#settings), this.#settings);
        return skipRequest({ ...target, ticket, until: rightOfWayUntil(now, this.#settings), goneBefore: now - gone });
      }
    }
  }

  informed(item: Item | undefined, now: number): number {
    const view = parseQueueView(item);
    const ticket = this.#step.action === 'ticket' ? view?.nextTicket : this.#s.ticket;
    this.#saw(view, now, { ticket, itemMissing: false });
    return this.#next(now);
  }

  refused(item: Item | undefined, now: number): number | undefined {
    const action = this.#step.action;
    if (action === 'ticket' || action === 'look') {
      // Conditional on the item existing: it is gone, the lock free, and no queue left.
      this.#s = { ...this.#s, ticket: undefined, view: undefined, viewFresh: false, itemMissing: true };
      return this.#next(now);
    }
    if ((action === 'try' || action === 'take') && !this.#s.blocking) return undefined;
    const view = parseQueueView(item);
    this.#saw(view, now, {
      refusals: action === 'try' && this.#s.ticket === undefined ? this.#s.refusals + 1 : this.#s.refusals,
      returnsItem: this.#s.returnsItem || view !== undefined,
    });
    return this.#next(now);
  }

  observe(ms: number): void {
    const rtt = this.#s.rttMs;
    this.#s = { ...this.#s, rttMs: rtt === undefined ? ms : rtt + 0.25 * (ms - rtt) };
  }

  leaving(now: number): UpdateItemCommandInput | undefined {
    const { ticket, view } = this.#s;
    this.#ctx.memory.gaveUp(this.#s.refusals, now);
    // Its last write did not take the lock: the ticket still waits, kept for the next acquire.
    this.#ctx.memory.queued(ticket);
    if (ticket === undefined || view === undefined) return undefined;
    const at = place(ticket, view);
    if (at.kind === 'void') this.#ctx.memory.queued(undefined);
    // The head leaves; so does the waiter right behind it, which may have become the head unseen.
    if (at.kind === 'void' || (at.kind === 'behind' && at.raw > 1)) return undefined;
    const ctx = this.#ctx;
    ctx.memory.queued(undefined);
    return leaveRequest({ tableName: ctx.o.tableName, key: ctx.key(0), now, skewMs: this.#settings.skewMs, ticket });
  }

  /**
   * Keeps what an answer said: the item where returned (fresh), the longest hold seen in progress
   * lately (the contract's bound), and when a holder without `acquired_ms` was first seen.
   */
  #saw(view: QueueView | undefined, now: number, more: Partial<WaitState>): void {
    const s = this.#s;
    let { firstSeen, longest } = s;
    if (view !== undefined && view.acquiredMs === undefined && view.expiresMs !== 0) {
      // The first holder this acquire sees has held since it started, at least as far as it can tell.
      if (firstSeen?.code !== view.releaseCode) {
        firstSeen = { code: view.releaseCode, at: firstSeen === undefined ? s.startedAt : now };
      }
    }
    const age = view === undefined ? undefined : holdAge({ firstSeen }, view, now);
    if (
      age !== undefined &&
      (longest === undefined || now - longest.at > TUNING.coverMemoryMs || age >= longest.holdMs)
    ) {
      longest = { holdMs: age, at: now };
    }
    this.#s = {
      ...s,
      view: view ?? s.view,
      viewFresh: view !== undefined,
      viewAt: view === undefined ? s.viewAt : now,
      firstSeen,
      longest,
      ...more,
    };
  }

  #next(now: number): number {
    const step = nextStep(this.#s, now, this.#settings, this.#ctx.clock.random);
    // A void ticket is dropped.
    if (step.dropsTicket) this.#s = { ...this.#s, ticket: undefined };
    this.#step = step;
    this.#remember();
    return step.delayMs;
  }
}
