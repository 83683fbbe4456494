import type { UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { ATTR, type ItemKey } from './attributes.js';

/**
 * Pure builders of the queue's writes (taking a ticket, looking, the head's heartbeat, skipping
 * a head that is gone, leaving) and of the queue's part of the acquire condition. None of them
 * touches the lease: a queue write can never disturb a holder. The writes that inform return the
 * whole item (`ALL_NEW`), which dynalite returns too, unlike the item of a refused write.
 *
 * WIRE CONTRACT: the attributes and conditions here are read by every client version in the mix;
 * a change needs an interop test and a CHANGELOG line.
 */

/** Where the queue lives. */
export interface QueueTarget {
  readonly tableName: string;
  /** The lock item (a queue is kept only on a single-slot lock's item). */
  readonly key: ItemKey;
  /** The writer's wall clock, epoch ms. */
  readonly now: number;
}

/**
 * A write that moves the queue without giving anyone the right of way (a queue started, a head
 * served or gone): it marks `head_until` one skew allowance before the writer's clock, so that a
 * writer whose clock runs ahead (within the allowance) never leaves a mark in anyone's future,
 * which the plain admission (`NOT head_until > now`) would read as a live head.
 */
export interface MarkingTarget extends QueueTarget {
  /** How far the writers' clocks may disagree, ms (`clockSkewAllowance`). */
  readonly skewMs: number;
}

/** The `head_until` a write leaves when nobody holds the right of way after it, epoch ms. */
export function pastMark(nowMs: number, skewMs: number): number {
  return nowMs - skewMs;
}

/** A queued waiter's own write: its ticket, and where its right of way ends (`headUntil`), epoch ms. */
export interface TicketHolder extends QueueTarget {
  readonly ticket: number;
}

const QUEUE_NAMES = {
  '#rid': ATTR.resourceId,
  '#serving': ATTR.serving,
  '#next': ATTR.nextTicket,
} as const;

const HEAD_NAMES = {
  '#serving': ATTR.serving,
  '#headOf': ATTR.headOf,
  '#headUntil': ATTR.headUntil,
} as const;

/**
 * Where a (re)started queue counts from: the writer's clock in microseconds, like the fencing
 * token's base, so that a ticket handed out before a reset (a Python 1.x client's PutItem wipes
 * the counters) is never handed out again, and its holder sees it void.
 */
export function ticketBase(nowMs: number): number {
  return Math.floor(nowMs) * 1000;
}

/**
 * Takes the next ticket, answered with the whole item: its `next_ticket` is the ticket.
 * Conditional on the item existing: a ticket must not create an item without a lease end, which
 * no acquire condition (ours or Python's) would ever admit. A refusal means the lock is free.
 * On a queue that has never served anyone, it starts the clock by which the first head is judged
 * gone (`head_until`), so that the waiter behind it does not skip it at once.
 */
export function ticketRequest(t: MarkingTarget): UpdateItemCommandInput {
  return {
    TableName: t.tableName,
    Key: t.key,
    UpdateExpression:
      'SET #serving = if_not_exists(#serving, :base), #next = if_not_exists(#next, :base) + :one, #headUntil = if_not_exists(#headUntil, :mark)',
    ConditionExpression: 'attribute_exists(#rid)',
    ExpressionAttributeNames: { ...QUEUE_NAMES, '#headUntil': ATTR.headUntil },
    ExpressionAttributeValues: {
      ':base': { N: String(ticketBase(t.now)) },
      ':one': { N: '1' },
      ':mark': { N: String(pastMark(t.now, t.skewMs)) },
    },
    ReturnValues: 'ALL_NEW',
  };
}

/**
 * Looks at the item through a write that changes nothing that exists (it only fills in missing
 * counters, after a wipe): the lock never reads, so that it costs write units only. A refusal
 * means the item is gone, and the lock free.
 */
export function lookRequest(t: QueueTarget): UpdateItemCommandInput {
  return {
    TableName: t.tableName,
    Key: t.key,
    UpdateExpression: 'SET #serving = if_not_exists(#serving, :base), #next = if_not_exists(#next, :base)',
    ConditionExpression: 'attribute_exists(#rid)',
    ExpressionAttributeNames: QUEUE_NAMES,
    ExpressionAttributeValues: { ':base': { N: String(ticketBase(t.now)) } },
    ReturnValues: 'ALL_NEW',
  };
}

/**
 * The head's heartbeat: it claims the right of way until `until` (epoch ms, its clock), only
 * while it is the head (`serving` is the ticket before its own). Answered with the whole item;
 * a refusal (with the item, where the server returns it) means its ticket is no longer the head's.
 */
export function beatRequest(t: TicketHolder & { readonly until: number }): UpdateItemCommandInput {
  return headWrite(t, {
    update: 'SET #headOf = :ticket, #headUntil = :until',
    condition: '#serving = :ticketBefore',
    values: { ':until': t.until },
    answered: true,
  });
}

/**
 * The waiter right behind the head takes its place when the head is gone: the head has not
 * claimed the right of way since `goneBefore` (epoch ms; `head_until` is the head's last heartbeat,
 * or the time the queue served the waiter before it). It skips that one ticket and beats at once.
 */
export function skipRequest(
  t: TicketHolder & { readonly until: number; readonly goneBefore: number },
): UpdateItemCommandInput {
  return headWrite(t, {
    update: 'SET #serving = :ticketBefore, #headOf = :ticket, #headUntil = :until',
    condition: '#serving = :headBefore AND NOT #headUntil > :goneBefore',
    values: { ':headBefore': t.ticket - 2, ':until': t.until, ':goneBefore': t.goneBefore },
    answered: true,
  });
}

/** The most done tickets one pass goes over: each is one comparison in its condition. */
export const PASS_LIMIT = 16;

/**
 * The first waiter whose tickets ahead are all done (their waiters took the lock out of turn)
 * passes over them: the queue counts them served and forgets them, and when that reaches its own
 * place it claims the right of way until `until`, as a heartbeat does. `over` are the done
 * tickets right after `serving`, in order (at most {@link PASS_LIMIT} go in one write). Refused
 * when the queue moved since. Answered like a heartbeat.
 */
export function passRequest(
  t: TicketHolder & { readonly until: number; readonly over: readonly number[] },
): UpdateItemCommandInput {
  const over = t.over.slice(0, PASS_LIMIT);
  const first = over[0] ?? t.ticket - 1;
  const last = over[over.length - 1] ?? t.ticket - 1;
  const reaches = last === t.ticket - 1;
  const values: Record<string, { N: string } | { NS: string[] }> = {
    ':seen': { N: String(first - 1) },
    ':last': { N: String(last) },
    ':over': { NS: over.map(String) },
    ...Object.fromEntries(over.map((n, i) => [`:o${i}`, { N: String(n) }])),
    ...(reaches ? { ':ticket': { N: String(t.ticket) }, ':until': { N: String(t.until) } } : {}),
  };
  return {
    TableName: t.tableName,
    Key: t.key,
    UpdateExpression: `SET #serving = :last${reaches ? ', #headOf = :ticket, #headUntil = :until' : ''} DELETE #done :over`,
    ConditionExpression: ['#serving = :seen', ...over.map((_, i) => `contains(#done, :o${i})`)].join(' AND '),
    ExpressionAttributeNames: reaches
      ? { ...HEAD_NAMES, '#done': ATTR.doneTickets }
      : { '#serving': ATTR.serving, '#done': ATTR.doneTickets },
    ExpressionAttributeValues: values,
    ReturnValues: 'ALL_NEW',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

/**
 * A head that gives up (timeout, abort) leaves: the queue counts it served, so that the next
 * waiter is the head at once and nothing waits for it.
 */
export function leaveRequest(t: TicketHolder & MarkingTarget): UpdateItemCommandInput {
  return headWrite(t, {
    update: 'SET #serving = :ticket, #headOf = :ticket, #headUntil = :mark',
    condition: '#serving = :ticketBefore',
    values: { ':mark': pastMark(t.now, t.skewMs) },
    answered: false,
  });
}

/** One of the writes by which a ticket holder moves the head: {@link beatRequest}, {@link skipRequest}, {@link leaveRequest}. */
interface HeadWrite {
  readonly update: string;
  readonly condition: string;
  /** Numbers beside the holder's `:ticket` and `:ticketBefore` (the ticket served before it). */
  readonly values: Readonly<Record<string, number>>;
  /** Answered with the whole item, and a refusal with the item where the server returns it. */
  readonly answered: boolean;
}

function headWrite(t: TicketHolder, w: HeadWrite): UpdateItemCommandInput {
  const values = { ':ticket': t.ticket, ':ticketBefore': t.ticket - 1, ...w.values };
  return {
    TableName: t.tableName,
    Key: t.key,
    UpdateExpression: w.update,
    ConditionExpression: w.condition,
    ExpressionAttributeNames: HEAD_NAMES,
    ExpressionAttributeValues: Object.fromEntries(Object.entries(values).map(([name, n]) => [name, { N: String(n) }])),
    ...(w.answered ? ({ ReturnValues: 'ALL_NEW', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } as const) : {}),
  };
}

/**
 * Who an acquire takes the lock as. `'plain'`: anyone, admitted to a free lock only while no
 * queued waiter holds the right of way. `'head'`: the queue's head (`ticket`), admitted to a free
 * lock whatever the right of way says, and counted served.
 */
export type Claim = { readonly kind: 'plain' } | { readonly kind: 'head'; readonly ticket: number };

/** The queue's part of an acquire: clauses to AND into each branch that judges a free lock, and updates. */
export interface Admission {
  /** Conjuncts of which at least one must hold (each ANDed into the lease's expiry test). */
  readonly alternatives: readonly string[];
  /** SET items appended to the acquire's update. */
  readonly set: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, { N: string }>;
}

/**
 * The queue's part of the acquire condition for `claim`, judged by the acquirer's clock (`:now`).
 * A plain acquire is admitted unless `head_until` is in its future: a live heartbeat is the only
 * write that leaves it there, since every write that leaves nobody the right of way marks it in
 * the past ({@link pastMark}), and a missing attribute compares false, so `NOT` admits an item
 * with no queue at all (written by Python, or never queued). One comparison on purpose: dynalite
 * parses every condition on every try, and a second alternative (`NOT head_of > serving`) cost it
 * 12-17% more per refused try (bench/diagnose/condition-cost.mjs). DynamoDB conditions have no
 * arithmetic, so the head's "ticket before mine" is computed here; the head is counted served at
 * `mark` (epoch ms, {@link pastMark}), the time the waiter behind it judges a silent head by.
 */
export function admission(claim: Claim, mark: number): Admission {
  if (claim.kind === 'plain') {
    return {
      // No right of way: nobody waiting, or the head's heartbeat ran out.
      alternatives: ['NOT #headUntil > :now'],
      set: '',
      names: { '#headUntil': ATTR.headUntil },
      values: {},
    };
  }
  return {
    alternatives: ['#serving = :ticketBefore'],
    set: ', #serving = :ticket, #headOf = :ticket, #headUntil = :mark',
    names: HEAD_NAMES,
    values: {
      ':ticket': { N: String(claim.ticket) },
      ':ticketBefore': { N: String(claim.ticket - 1) },
      ':mark': { N: String(mark) },
    },
  };
}
