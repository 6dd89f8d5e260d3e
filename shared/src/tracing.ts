import { createRequire } from 'node:module';
import type { IncomingMessage } from 'node:http';
import { context, propagation, trace } from '@opentelemetry/api';

/** Tracing as started by startTracing(); shutdown() exports what is left and stops it. */
export interface Tracing {
  /** False when OTEL_SDK_DISABLED=true: no spans, no trace ids, no traceparent. */
  enabled: boolean;
  /** True when an OTLP endpoint is set: finished spans are sent there. */
  exporting: boolean;
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  service: string;
  version?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Paths never traced: probes, scrapes and the gateways' polls of the revocation feed, several a
 * second in all, would bury the requests' traces.
 */
const UNTRACED_PATHS = /^\/(?:health(?:\/|$|\?)|metrics(?:$|\?)|internal\/revocations(?:$|\?))/;

const OFF: Tracing = { enabled: false, exporting: false, shutdown: async () => undefined };

/** The OTLP traces URL the environment asks for (the exporter reads the same variables). */
export function otlpTracesUrl(env: NodeJS.ProcessEnv): string | undefined {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const url = traces || (base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined);
  if (url === undefined) return undefined;
  const variable = traces ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${variable} must be an http(s) URL, got "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`${variable} must be an http(s) URL, got "${url}"`);
  }
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL;
  if (protocol !== undefined && protocol !== '' && protocol !== 'http/protobuf') {
    throw new Error(`only OTLP over http/protobuf is supported, got protocol "${protocol}"`);
  }
  return url;
}

function untraced(url: string | undefined): boolean {
  return url !== undefined && UNTRACED_PATHS.test(url);
}

/**
 * Starts OpenTelemetry for one service process (docs/operations.md#traces-and-logs): a W3C
 * `traceparent` is continued or started for every request (the HTTP server span, Fastify's
 * request and handler spans), carried to the next service by every undici/fetch call, and
 * PostgreSQL queries are spans of their own, exported over OTLP http/protobuf, and log lines
 * carry trace_id and span_id. All of it only when OTEL_EXPORTER_OTLP_ENDPOINT (or
 * …_TRACES_ENDPOINT) is set; OTEL_SDK_DISABLED=true turns it off even then.
 */
export async function startTracing({
  service,
  version,
  env = process.env,
}: TracingOptions): Promise<Tracing> {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return OFF;
  const url = otlpTracesUrl(env);
  // Without a receiver nothing is started: the SDK with a sampler that keeps nothing still cost
  // the gateway about 1.85 times the CPU per request (docs/PERFORMANCE.md#tracing), a price for
  // trace ids nobody could look up. Requests are joined by reqId / X-Request-ID then.
  if (url === undefined) return OFF;
  // Loaded here rather than at the top: every process that imports this package (tests, the
  // command-line tools) would otherwise pay for the SDK, about half a second of CPU; the
  // exporter, the largest part, only when spans are exported.
  const [
    { FastifyOtelInstrumentation },
    { registerInstrumentations },
    { HttpInstrumentation },
    { PgInstrumentation },
    { UndiciInstrumentation },
    { resourceFromAttributes },
    { BatchSpanProcessor },
    { NodeTracerProvider },
    { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION },
    exporterModule,
  ] = await Promise.all([
    import('@fastify/otel'),
    import('@opentelemetry/instrumentation'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-pg'),
    import('@opentelemetry/instrumentation-undici'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/semantic-conventions'),
    url ? import('@opentelemetry/exporter-trace-otlp-proto') : undefined,
  ]);
  const exporter =
    url && exporterModule ? new exporterModule.OTLPTraceExporter({ url }) : undefined;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME?.trim() || service,
      ...(version ? { [ATTR_SERVICE_VERSION]: version } : {}),
    }),
    // The SDK's default sampler applies (parent-based, always on; the standard
    // OTEL_TRACES_SAMPLER variables change it).
    ...(exporter ? { spanProcessors: [new BatchSpanProcessor(exporter)] } : {}),
  });
  provider.register();

  const disableInstrumentations = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request: IncomingMessage) => untraced(request.url),
        // Outgoing calls go through undici (the gateway's proxy, fetch); node:http clients are
        // only the tests' and the health checks'.
        disableOutgoingRequestInstrumentation: true,
      }),
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        // A span per hook per request would be a dozen spans for every proxied call; the
        // request and its handler are what a trace needs.
        instrumentHooks: false,
        ignorePaths: (route: { url?: string }) => untraced(route.url),
      }),
      // Calls made outside a request (feed polls, health checks, outbox deliveries) start no
      // trace of their own.
      new UndiciInstrumentation({ requireParentforSpans: true }),
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  // Instrumentations patch a CommonJS module when it is require()d. Our ES modules import pg
  // and Fastify imports node:http before or after this runs; requiring them here applies the
  // patches to the shared module objects (prototypes) either way, under tsx, plain node or
  // Vitest alike, without a loader hook.
  const require = createRequire(import.meta.url);
  require('node:http');
  require('pg');

  return {
    enabled: true,
    exporting: exporter !== undefined,
    async shutdown() {
      disableInstrumentations();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
