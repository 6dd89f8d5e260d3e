import { randomUUID } from 'node:crypto';
import { loadConfig, type ServiceApp } from '@cloud-backend/shared';
import { TEST_JWT_SECRET, testJwksUrl, signTestToken } from '@cloud-backend/shared/testing';
import type { DestinationStream } from 'pino';
import { buildApp } from '../../src/app.js';
import { configSchema } from '../../src/config.js';

export const INTERNAL_TOKEN = 'internal-test-token-0123456789abcdef0123';

export interface GatewayOptions {
  logStream?: DestinationStream;
  /** Wait until the revocation feed has been read (default true). */
  ready?: boolean;
}

/** The gateway as server.ts builds it, with quick polls and limits high enough not to matter. */
export async function buildGateway(
  env: Record<string, string>,
  options: GatewayOptions = {},
): Promise<ServiceApp> {
  const config = loadConfig(configSchema, {
    NODE_ENV: 'test',
    JWT_SECRET: TEST_JWT_SECRET,
    JWKS_URL: testJwksUrl(),
    INTERNAL_API_TOKEN: INTERNAL_TOKEN,
    REVOCATION_POLL_MS: '100',
    RATE_LIMIT_GLOBAL_MAX: '100000',
    RATE_LIMIT_LOGIN_MAX: '100000',
    RATE_LIMIT_REGISTER_MAX: '100000',
    // The test machine is shared and busy: load shedding is tested on its own.
    MAX_EVENT_LOOP_DELAY_MS: '0',
    LOG_LEVEL: options.logStream ? 'info' : 'silent',
    LOG_FORMAT: 'json',
    ...env,
  });
  const app = await buildApp(
    config,
    options.logStream ? { logStream: options.logStream } : { logger: false },
  );
  await app.ready();
  if (options.ready !== false) await waitUntilReady(app);
  return app;
}

export async function waitUntilReady(app: ServiceApp, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await app.inject({ url: '/health/ready' })).statusCode === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the gateway never became ready');
}

/** The four required upstream URLs, all pointing at one server. */
export function upstreamEnv(url: string): Record<string, string> {
  return {
    AUTH_SERVICE_URL: url,
    USER_SERVICE_URL: url,
    SOCIAL_LOG_SERVICE_URL: url,
    DASHBOARD_API_URL: url,
  };
}

/** An access token as auth-service issues it (with a session id). */
export function accessToken(claims: Record<string, unknown> = {}, secret?: string): string {
  return signTestToken({ sid: randomUUID(), ...claims }, secret === undefined ? {} : { secret });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
export const asUser = (claims: Record<string, unknown> = {}) => bearer(accessToken(claims));
export const asAdmin = (claims: Record<string, unknown> = {}) =>
  bearer(accessToken({ role: 'admin', ...claims }));
