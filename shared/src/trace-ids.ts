import { context, isSpanContextValid, trace } from '@opentelemetry/api';

/** What a log line carries of the trace it was written in. */
export interface TraceIds {
  trace_id?: string;
  span_id?: string;
}

/**
 * The ids of the span active where a line is logged (pino's mixin): the request's server span,
 * or its handler's inside the handler. Empty when tracing is off or nothing is active (start-up,
 * timers). The HTTP instrumentation binds the request's and response's events to the request's
 * context, so the lines Fastify writes when a request arrives and completes carry them too.
 */
export function activeTraceIds(): TraceIds {
  const span = trace.getSpan(context.active());
  // A new object every time: pino merges the line's own fields into it.
  if (span === undefined) return {};
  const ids = span.spanContext();
  return isSpanContextValid(ids) ? { trace_id: ids.traceId, span_id: ids.spanId } : {};
}
