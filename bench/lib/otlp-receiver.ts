import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs';

/**
 * The part of the OTLP trace protocol (opentelemetry-proto: collector/trace/v1 and trace/v1,
 * field numbers as published) that the tests read. Fields left out are skipped when decoding.
 */
const OTLP_TRACES = `
syntax = "proto3";
package otlp;
message AnyValue {
  oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; }
}
message KeyValue { string key = 1; AnyValue value = 2; }
message Resource { repeated KeyValue attributes = 1; }
message InstrumentationScope { string name = 1; string version = 2; }
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  string name = 5;
  int32 kind = 6;
  repeated KeyValue attributes = 9;
}
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
`;

const ExportTraceServiceRequest = protobuf
  .parse(OTLP_TRACES, { keepCase: true })
  .root.lookupType('otlp.ExportTraceServiceRequest');

/** OTLP's span kinds. */
export const SpanKind = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  kind: number;
  scope: string;
  service: string;
  attributes: Record<string, string | number | boolean>;
}

export interface OtlpReceiver {
  /** The base URL, as OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  spans: ReceivedSpan[];
  /** How many export requests arrived. */
  requests: number;
  /** Their bodies' bytes in all. */
  bytes: number;
  close(): Promise<void>;
}

interface DecodedValue {
  string_value?: string;
  bool_value?: boolean;
  int_value?: number | { toNumber(): number };
  double_value?: number;
}
interface DecodedKeyValue {
  key: string;
  value?: DecodedValue;
}
interface DecodedRequest {
  resource_spans?: {
    resource?: { attributes?: DecodedKeyValue[] };
    scope_spans?: {
      scope?: { name: string };
      spans?: {
        trace_id: Uint8Array;
        span_id: Uint8Array;
        parent_span_id: Uint8Array;
        name: string;
        kind: number;
        attributes?: DecodedKeyValue[];
      }[];
    }[];
  }[];
}

function attributes(list: DecodedKeyValue[] = []): ReceivedSpan['attributes'] {
  const out: ReceivedSpan['attributes'] = {};
  for (const { key, value } of list) {
    const raw = value?.string_value ?? value?.bool_value ?? value?.int_value ?? value?.double_value;
    if (raw === undefined) continue;
    out[key] = typeof raw === 'object' ? raw.toNumber() : raw;
  }
  return out;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Decodes one OTLP/HTTP protobuf export request into flat spans. */
export function decodeTraces(body: Buffer): ReceivedSpan[] {
  const decoded = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), {
    defaults: true,
  }) as DecodedRequest;
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of decoded.resource_spans ?? []) {
    const service = String(attributes(resourceSpans.resource?.attributes)['service.name'] ?? '');
    for (const scopeSpans of resourceSpans.scope_spans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          traceId: hex(span.trace_id),
          spanId: hex(span.span_id),
          parentSpanId: hex(span.parent_span_id),
          name: span.name,
          kind: span.kind,
          scope: scopeSpans.scope?.name ?? '',
          service,
          attributes: attributes(span.attributes),
        });
      }
    }
  }
  return spans;
}

/**
 * A real OTLP/HTTP traces endpoint: accepts POST /v1/traces in protobuf, as an OpenTelemetry
 * Collector or Tempo does, decodes every span (unless `decode` is false: a benchmark's sink only
 * counts) and answers an empty ExportTraceServiceResponse.
 */
export async function startOtlpReceiver({ decode = true } = {}): Promise<OtlpReceiver> {
  const receiver: Omit<OtlpReceiver, 'url' | 'close'> = { spans: [], requests: 0, bytes: 0 };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const type = request.headers['content-type'];
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      if (type !== 'application/x-protobuf') {
        response.writeHead(415).end();
        return;
      }
      const body = Buffer.concat(chunks);
      receiver.requests += 1;
      receiver.bytes += body.length;
      if (decode) receiver.spans.push(...decodeTraces(body));
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${String(port)}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  });
}
