import { existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import { trace } from '@opentelemetry/api';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loggerOptions, startTracing } from '@cloud-backend/shared';
import { readCompose } from './compose-files.js';
import { readRepoFile, readYaml, repoPath } from './support.js';

// docker-compose.observability.yml and the configuration of Tempo, Loki, Alloy and Grafana's
// data sources (docs/operations.md#traces-and-logs). Their images cannot run on this machine:
// these tests check the files against each other and against a real log line of ours;
// `make test-compose` also runs `docker compose config` over the override.

const OFFICIAL: Record<string, string> = {
  TEMPO_IMAGE: 'grafana/tempo:2.8.2',
  LOKI_IMAGE: 'grafana/loki:3.5.3',
  ALLOY_IMAGE: 'grafana/alloy:v1.10.2',
};
const NODE_SERVICES = ['auth-service', 'user-service', 'social-log-service', 'dashboard-api'];

const base = readCompose('docker-compose.yml');
const override = readCompose('docker-compose.observability.yml');

interface Datasource {
  uid: string;
  type: string;
  url: string;
  jsonData?: {
    derivedFields?: { datasourceUid: string; matcherRegex: string; url: string }[];
    tracesToLogsV2?: { datasourceUid: string; filterByTraceID: boolean };
  };
}
const { datasources } = readYaml('monitoring/grafana/provisioning/datasources/tempo-loki.yml') as {
  datasources: Datasource[];
};
const datasource = (type: string) => datasources.find((d) => d.type === type);

/** One line as a service writes it during a request: our logger, inside a span. */
async function logLineInASpan(): Promise<{ line: Record<string, unknown>; traceId: string }> {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  // Tracing starts only with a receiver; nothing listens on the discard port, and the one span
  // is dropped when the export is refused.
  const tracing = await startTracing({
    service: 'ops-test',
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
  });
  try {
    const options = loggerOptions({ service: 'gateway', level: 'info', format: 'json' });
    const log = pino(options, stream);
    const traceId = trace.getTracer('ops-test').startActiveSpan('request', (span) => {
      log.child({ reqId: 'r-1' }).info('request completed');
      span.end();
      return span.spanContext().traceId;
    });
    return { line: JSON.parse(text) as Record<string, unknown>, traceId };
  } finally {
    // The refused export of that one span is not what these tests are about.
    await tracing.shutdown().catch(() => undefined);
  }
}

describe('docker-compose.observability.yml', () => {
  it('takes its images from variables whose defaults are the official ones, publishes nothing', () => {
    for (const [name, service] of Object.entries(override.services)) {
      expect(service.ports, name).toBeUndefined();
      if (service.image === undefined) continue;
      const match = /^\$\{([A-Z_]+):-([^}]+)\}$/.exec(service.image);
      expect(OFFICIAL[match?.[1] ?? ''], `${name}: ${service.image}`).toBe(match?.[2]);
    }
  });

  it("points every service's OTLP exporter at Tempo's OTLP/HTTP receiver", () => {
    const tempo = readYaml('monitoring/tempo/tempo.yml') as {
      distributor: { receivers: { otlp: { protocols: { http: { endpoint: string } } } } };
    };
    const port = tempo.distributor.receivers.otlp.protocols.http.endpoint.split(':').pop();
    for (const name of [...NODE_SERVICES, 'gateway']) {
      expect(base.services, name).toHaveProperty(name);
      expect(override.services[name]?.environment?.OTEL_EXPORTER_OTLP_ENDPOINT, name).toBe(
        `\${OTEL_EXPORTER_OTLP_ENDPOINT:-http://tempo:${String(port)}}`,
      );
    }
  });

  it('mounts configuration files that exist, on the network of the stack', () => {
    for (const [name, service] of Object.entries(override.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] ?? '';
        if (source.startsWith('./')) expect(existsSync(repoPath(source)), volume).toBe(true);
      }
      if (service.image !== undefined && name !== 'tempo-init') {
        expect(service.networks, name).toEqual(['microservices-net']);
      }
    }
  });
});

describe('log shipping and the trace link', () => {
  it("Alloy reads the keys our log lines have and pushes to Loki's port", async () => {
    const alloy = readRepoFile('monitoring/alloy/config.alloy');
    const loki = readYaml('monitoring/loki/loki.yml') as {
      server: { http_listen_port: number };
      limits_config: { allow_structured_metadata: boolean };
    };
    expect(alloy).toContain(
      `url = "http://loki:${String(loki.server.http_listen_port)}/loki/api/v1/push"`,
    );
    // trace_id goes to structured metadata, which Loki must accept.
    expect(loki.limits_config.allow_structured_metadata).toBe(true);
    const { line } = await logLineInASpan();
    for (const key of ['level', 'trace_id', 'span_id', 'reqId']) {
      expect(line, key).toHaveProperty(key);
      expect(alloy).toMatch(new RegExp(`(^|[\\s"])${key}(["\\s]|$)`, 'm'));
    }
  });

  it("Grafana's Loki data source turns a line's trace_id into a link to its trace in Tempo", async () => {
    const loki = datasource('loki');
    const tempo = datasource('tempo');
    expect(loki?.url).toBe('http://loki:3100');
    expect(tempo?.url).toBe('http://tempo:3200');
    const [field] = loki?.jsonData?.derivedFields ?? [];
    expect(field?.datasourceUid).toBe(tempo?.uid);
    // Provisioning reads `$$` as a literal `$`: Grafana gets ${__value.raw}.
    expect(field?.url).toBe('$${__value.raw}');
    const { line, traceId } = await logLineInASpan();
    const text = JSON.stringify(line);
    expect(new RegExp(field?.matcherRegex ?? '$^').exec(text)?.[1]).toBe(traceId);
    expect(tempo?.jsonData?.tracesToLogsV2).toMatchObject({
      datasourceUid: loki?.uid,
      filterByTraceID: true,
    });
  });
});
