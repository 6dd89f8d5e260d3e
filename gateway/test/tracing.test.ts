import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, startOtlpReceiver, type OtlpReceiver } from '../../bench/lib/otlp-receiver.js';
import { TRACEPARENT, linesOf, startChain, today, type Chain } from './support/traced-chain.js';

// docs/operations.md#traces-and-logs: one request through the real gateway to the real
// user-service on PostgreSQL, traced and exported to a real OTLP/HTTP receiver.

let receiver: OtlpReceiver;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await receiver.close();
});

describe('with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  let chain: Chain;
  const requestId = 'traced-request-1';

  beforeAll(async () => {
    chain = await startChain({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    await today(chain, requestId);
    // Exports what the batch processor holds, as on SIGTERM.
    await chain.close();
  });

  it('puts one trace_id on the gateway and service lines of a request, beside reqId', () => {
    const gatewayLines = linesOf(chain, requestId, 'gateway');
    const serviceLines = linesOf(chain, requestId, 'user-service');
    expect(gatewayLines.length).toBeGreaterThan(0);
    expect(serviceLines.length).toBeGreaterThan(0);
    const traceId = gatewayLines[0]?.trace_id;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    for (const line of [...gatewayLines, ...serviceLines]) {
      expect(line, line.msg).toMatchObject({ trace_id: traceId });
      expect(line.span_id, line.msg).toMatch(/^[0-9a-f]{16}$/);
    }
  });

  it('sends a traceparent of that trace to the service', () => {
    const traceId = linesOf(chain, requestId, 'gateway')[0]?.trace_id;
    expect(chain.traceparents).toHaveLength(1);
    expect(chain.recording).toEqual([true]);
    const [, forwardedTrace] = TRACEPARENT.exec(chain.traceparents[0] ?? '') ?? [];
    expect(forwardedTrace).toBe(traceId);
  });

  it('exports the hop chain as one trace: gateway, proxy call, service, handler, query', () => {
    const traceId = linesOf(chain, requestId, 'gateway')[0]?.trace_id;
    const spans = receiver.spans.filter((span) => span.traceId === traceId);
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const parentOf = (span: (typeof spans)[number] | undefined) =>
      span ? byId.get(span.parentSpanId) : undefined;

    // The query of the handler (todayAttendance), a child of the handler's span.
    const query = spans.find(
      (span) =>
        span.scope === '@opentelemetry/instrumentation-pg' &&
        span.kind === SpanKind.CLIENT &&
        String(span.attributes['db.statement'] ?? span.attributes['db.query.text']).includes(
          'attendance',
        ),
    );
    expect(query, JSON.stringify(spans.map((span) => span.name))).toBeDefined();
    const handler = parentOf(query);
    expect(handler?.name).toMatch(/^handler - /);
    expect(handler?.scope).toBe('@fastify/otel');
    expect(handler?.attributes['http.route']).toBe('/qr/attendance/today');

    // Up from the handler: the service's request, its HTTP server span, the gateway's call
    // through undici, and the gateway's own request and server span, the root.
    const serviceRequest = parentOf(handler);
    expect(serviceRequest?.name).toBe('request');
    const serviceServer = parentOf(serviceRequest);
    expect(serviceServer?.kind).toBe(SpanKind.SERVER);
    expect(serviceServer?.attributes['http.route']).toBe('/qr/attendance/today');
    const proxyCall = parentOf(serviceServer);
    expect(proxyCall?.scope).toBe('@opentelemetry/instrumentation-undici');
    expect(proxyCall?.kind).toBe(SpanKind.CLIENT);
    let root = parentOf(proxyCall);
    while (root && parentOf(root)) root = parentOf(root);
    expect(root?.kind).toBe(SpanKind.SERVER);
    expect(root?.parentSpanId).toBe('');
    expect(root?.attributes['url.path'] ?? root?.attributes['http.target']).toBe(
      '/user/qr/attendance/today',
    );
  });
});
