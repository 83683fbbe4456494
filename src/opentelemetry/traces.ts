import {
  type Attributes,
  type Context,
  context,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { errorType, type Recorder, seconds } from './handlers.js';
import { ATTR, SPAN } from './names.js';

/** An acquire in flight: its span, and the context it was called in. */
interface Acquiring {
  readonly span: Span;
  readonly parent: Context;
  /** Attempts seen so far (refused and failed writes), for an acquire that ends without the lock. */
  attempts: number;
}

/** A held lease: where its acquire was called, and the acquire's span, for a loss to point to. */
interface Holding {
  readonly parent: Context;
  readonly acquire: SpanContext;
}

/**
 * Turns lock events into spans: one per `acquire()`, started in the caller's active context
 * (the lock publishes `acquireStarted` synchronously inside the call), with its refused and
 * throttled attempts as events; a span of no duration for a lost lease, in the context of the
 * acquire that got it and linked to that acquire's span; and an event for a release on the span
 * active where `release()` was called.
 */
export class LockTraces implements Recorder {
  readonly #tracer: Tracer;
  readonly #acquiring = new WeakMap<object, Acquiring>();
  readonly #holding = new WeakMap<object, Holding>();

  constructor(tracer: Tracer) {
    this.#tracer = tracer;
  }

  readonly lock: Recorder['lock'] = {
    acquireStarted: ({ lock, tableName, event }) => {
      const parent = context.active();
      const attributes: Attributes = {
        [ATTR.table]: tableName,
        [ATTR.resourceId]: event.resourceId,
        [ATTR.blocking]: event.blocking,
      };
      if (event.timeoutMs !== undefined) attributes[ATTR.timeout] = seconds(event.timeoutMs);
      const span = this.#tracer.startSpan(SPAN.acquire, { kind: SpanKind.INTERNAL, attributes }, parent);
      this.#acquiring.set(lock, { span, parent, attempts: 0 });
    },
    contended: ({ lock, event }) => {
      const a = this.#acquiring.get(lock);
      if (a === undefined) return;
      a.attempts++;
      a.span.addEvent(SPAN.contended, { [ATTR.attempt]: event.attempt, [ATTR.delay]: seconds(event.delayMs) });
    },
    throttled: ({ lock, event }) => {
      const a = this.#acquiring.get(lock);
      if (a === undefined || event.operation !== 'acquire') return;
      a.attempts++;
      a.span.addEvent(SPAN.throttled, {
        [ATTR.attempt]: event.attempt,
        [ATTR.delay]: seconds(event.delayMs),
        [ATTR.errorType]: errorType(event.error),
      });
    },
    acquired: ({ lock, event }) => {
      const a = this.#acquiring.get(lock);
      const attributes: Attributes = {
        [ATTR.fencingToken]: event.fencingToken,
        [ATTR.tookOver]: event.tookOver,
        [ATTR.attempts]: event.attempts,
      };
      if (event.slot !== undefined) attributes[ATTR.slot] = event.slot;
      a?.span.setAttributes(attributes);
      if (a !== undefined) this.#holding.set(lock, { parent: a.parent, acquire: a.span.spanContext() });
    },
    acquireEnded: ({ lock, event }) => {
      const a = this.#acquiring.get(lock);
      if (a === undefined) return;
      this.#acquiring.delete(lock);
      a.span.setAttributes({ [ATTR.outcome]: event.outcome, [ATTR.wait]: seconds(event.waitMs) });
      if (event.outcome !== 'acquired') a.span.setAttribute(ATTR.attempts, a.attempts);
      if (event.outcome === 'error') {
        a.span.setAttribute(ATTR.errorType, errorType(event.error));
        if (event.error instanceof Error) a.span.recordException(event.error);
        a.span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(event.error) });
      }
      a.span.end();
    },
    lost: ({ lock, tableName, event }) => {
      const h = this.#holding.get(lock);
      this.#holding.delete(lock);
      const attributes: Attributes = {
        [ATTR.table]: tableName,
        [ATTR.resourceId]: event.resourceId,
        [ATTR.reason]: event.reason,
        [ATTR.fencingToken]: event.fencingToken,
        [ATTR.held]: seconds(event.heldMs),
      };
      if (event.owner !== undefined) attributes[ATTR.owner] = event.owner;
      if (event.slot !== undefined) attributes[ATTR.slot] = event.slot;
      // Under the acquire's caller (its trace, when the work is still running in it), and linked
      // to the acquire. A lease acquired before instrumentation began starts a trace of its own.
      const span = this.#tracer.startSpan(
        SPAN.lost,
        { kind: SpanKind.INTERNAL, attributes, links: h === undefined ? [] : [{ context: h.acquire }] },
        h?.parent ?? ROOT_CONTEXT,
      );
      span.setStatus({ code: SpanStatusCode.ERROR, message: `lease lost: ${event.reason}` });
      span.end();
    },
    released: ({ lock, tableName, event }) => {
      this.#holding.delete(lock);
      // The release runs in the async context of its caller: the span active there gets the event.
      const active = trace.getActiveSpan();
      if (active === undefined || !active.isRecording()) return;
      active.addEvent(SPAN.released, {
        [ATTR.table]: tableName,
        [ATTR.resourceId]: event.resourceId,
        [ATTR.fencingToken]: event.fencingToken,
        [ATTR.held]: seconds(event.heldMs),
      });
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
