import { beforeAll, describe, expect, it } from 'vitest';
import { startTracing } from '@cloud-backend/shared';
import { linesOf, startChain, today, type Chain } from './support/traced-chain.js';

// docs/operations.md#traces-and-logs: without an OTLP endpoint tracing is not started at all
// (its cost would buy ids nothing can look up); the request's lines are joined by reqId. A file
// of its own: tracing starts once per process.

describe('without an OTLP endpoint', () => {
  let chain: Chain;
  const requestId = 'untraced-request-1';

  beforeAll(async () => {
    // As compose passes it when .env leaves it out: set, but empty.
    chain = await startChain({ OTEL_EXPORTER_OTLP_ENDPOINT: '' });
    await today(chain, requestId);
    await chain.close();
  });

  it('starts no tracing: no span, nothing to export', () => {
    expect(chain.tracing).toEqual(expect.objectContaining({ enabled: false, exporting: false }));
    expect(chain.recording).toEqual([false]);
  });

  it('adds no trace ids and no traceparent; the lines are joined by reqId', () => {
    const gatewayLines = linesOf(chain, requestId, 'gateway');
    const serviceLines = linesOf(chain, requestId, 'user-service');
    expect(gatewayLines.length).toBeGreaterThan(0);
    expect(serviceLines.length).toBeGreaterThan(0);
    for (const line of [...gatewayLines, ...serviceLines]) {
      expect(line, line.msg).not.toHaveProperty('trace_id');
    }
    expect(chain.traceparents).toEqual([undefined]);
  });
});

describe('the OTLP settings', () => {
  it('are off with OTEL_SDK_DISABLED=true', async () => {
    const tracing = await startTracing({ service: 'x', env: { OTEL_SDK_DISABLED: 'true' } });
    expect(tracing).toMatchObject({ enabled: false, exporting: false });
    await tracing.shutdown();
  });

  it.each([
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'tempo:4318' }, /OTEL_EXPORTER_OTLP_ENDPOINT must be/],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://x/' }, /_TRACES_ENDPOINT must be/],
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
      /only OTLP over http\/protobuf/,
    ],
  ])('refuse %o with one clear message', async (env, message) => {
    await expect(startTracing({ service: 'x', env })).rejects.toThrow(message);
  });
});
