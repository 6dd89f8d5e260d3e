import { Writable } from 'node:stream';
import { expect } from 'vitest';
import { trace } from '@opentelemetry/api';
import { loadConfig, startTracing, type ServiceApp, type Tracing } from '@cloud-backend/shared';
import { TEST_JWT_SECRET, onTestDatabase, testJwksUrl } from '@cloud-backend/shared/testing';
import { buildApp as buildUser } from '../../../user-service/src/app.js';
import { configSchema as userConfig } from '../../../user-service/src/config.js';
import { echoUpstream, type EchoUpstream } from './echo-upstream.js';
import { fakeFeed } from './fake-feed.js';
import { INTERNAL_TOKEN, asUser, buildGateway, upstreamEnv } from './gateway.js';
import { listen, send } from './http.js';

export interface LogLine {
  service: string;
  msg: string;
  reqId?: string;
  trace_id?: string;
  span_id?: string;
}

export const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

/**
 * The gateway and user-service, in this process, with OpenTelemetry started as runService starts
 * it (once per process: a test file traces one way only), listening, logging JSON lines into `lines`. */
export interface Chain {
  tracing: Tracing;
  base: string;
  lines: LogLine[];
  /** The traceparent header of every request user-service received. */
  traceparents: (string | undefined)[];
  /** Whether the span active at each of those requests records anything (to export). */
  recording: boolean[];
  close(): Promise<void>;
}

export async function startChain(env: Record<string, string>): Promise<Chain> {
  const tracing = await startTracing({ service: 'tracing-test', env });
  const lines: LogLine[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line) lines.push(JSON.parse(line) as LogLine);
      }
      done();
    },
  });
  const others: EchoUpstream = await echoUpstream();
  fakeFeed(others);
  const user: ServiceApp = await onTestDatabase(
    'trace_user',
    (url) =>
      buildUser(
        loadConfig(userConfig, {
          NODE_ENV: 'test',
          JWT_SECRET: TEST_JWT_SECRET,
          JWKS_URL: testJwksUrl(),
          INTERNAL_API_TOKEN: INTERNAL_TOKEN,
          DATABASE_URL: url,
          USER_SYNC_INTERVAL_SECONDS: '0',
          SOCIAL_LOG_SERVICE_URL: others.url,
          LOG_LEVEL: 'info',
          LOG_FORMAT: 'json',
        }),
        { logStream },
      ),
    new URL('../../../user-service/migrations/', import.meta.url),
  );
  const traceparents: (string | undefined)[] = [];
  const recording: boolean[] = [];
  user.addHook('onRequest', (request, _reply, done) => {
    const header = request.headers.traceparent;
    traceparents.push(Array.isArray(header) ? header[0] : header);
    recording.push(trace.getActiveSpan()?.isRecording() === true);
    done();
  });
  const gateway = await buildGateway(
    { ...upstreamEnv(others.url), USER_SERVICE_URL: await listen(user) },
    { logStream },
  );
  return {
    tracing,
    base: await listen(gateway),
    lines,
    traceparents,
    recording,
    async close() {
      await gateway.close();
      await user.close();
      await others.close();
      await tracing.shutdown();
    },
  };
}

/** GET /user/qr/attendance/today through the gateway: a token check, then the handler's query. */
export async function today(chain: Chain, requestId: string): Promise<void> {
  const answer = await send(chain.base, {
    path: '/user/qr/attendance/today',
    headers: { ...asUser({ user_id: 7 }), 'x-request-id': requestId },
  });
  expect(answer.status, answer.text).toBe(200);
}

export const linesOf = (chain: Chain, requestId: string, service: string) =>
  chain.lines.filter((line) => line.reqId === requestId && line.service === service);
