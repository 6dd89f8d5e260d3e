import { randomUUID } from 'node:crypto';
import {
  AUDIT_INGEST_PATH,
  loadConfig,
  type AuditEvent,
  type ServiceApp,
} from '@cloud-backend/shared';
import {
  TEST_JWT_SECRET,
  testJwksUrl,
  onTestDatabase,
  signTestToken,
} from '@cloud-backend/shared/testing';
import { buildApp } from '../src/app.js';
import { configSchema } from '../src/config.js';

export const INTERNAL_TOKEN = 'internal-test-token-that-is-long-enough-0123456789';

/**
 * The social-log-service app on a fresh, migrated database of its own (as the superuser, so
 * tests can tamper with the audit table as an attacker with full access would), dropped when the
 * app closes.
 */
export function build(env: Record<string, string> = {}) {
  return onTestDatabase(
    'social_log',
    (url) =>
      buildApp(
        loadConfig(configSchema, {
          NODE_ENV: 'test',
          JWT_SECRET: TEST_JWT_SECRET,
          JWKS_URL: testJwksUrl(),
          DATABASE_URL: url,
          INTERNAL_API_TOKEN: INTERNAL_TOKEN,
          ...env,
        }),
        { logger: false },
      ),
    new URL('../migrations/', import.meta.url),
  );
}

/** Authorization headers of an access token for a user (role user) or an admin. */
export function bearer(userId: number, role: 'user' | 'admin' = 'user') {
  return { authorization: `Bearer ${signTestToken({ user_id: userId, role })}` };
}

export const serviceAuth = { authorization: `Bearer ${INTERNAL_TOKEN}` };

/** The current value of system_errors_total for this service and an error_type, from /metrics. */
export async function systemErrors(
  app: { inject: (options: { url: string }) => Promise<{ body: string }> },
  errorType: string,
): Promise<number> {
  const text = (await app.inject({ url: '/metrics' })).body;
  const line = new RegExp(
    `^system_errors_total\\{service="social-log-service",error_type="${errorType}"\\} (\\d+)$`,
    'm',
  ).exec(text);
  return line ? Number(line[1]) : 0;
}

/** A valid audit event as a sender's outbox writes it; override any field. */
export function auditEvent(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: randomUUID(),
    occurred_at: new Date().toISOString(),
    service: 'auth-service',
    action: 'user.login',
    user_id: 1,
    actor_id: null,
    success: true,
    ip: '203.0.113.1',
    user_agent: 'vitest',
    request_id: 'req-1',
    details: {},
    ...overrides,
  };
}

/** POSTs a batch to the ingestion route, with the service credential unless told otherwise. */
export function ingest(
  app: ServiceApp,
  events: unknown[],
  headers: Record<string, string> = serviceAuth,
) {
  return app.inject({ method: 'POST', url: AUDIT_INGEST_PATH, headers, payload: { events } });
}

/** details made of `depth` nested objects: {"a":{"a":…{"leaf":1}}}. */
export function nestedDetails(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 1 };
  for (let level = 1; level < depth; level++) value = { a: value };
  return value;
}

/** A body POST /api/social/log accepts. */
export const VALID_LOG = {
  social: 'instagram',
  timestamp: '2025-06-22T10:00:00+02:00',
  content: 'A post',
  status: 'published',
};

/** POST /api/social/log as userId: objects as JSON, strings as they are (set the content type). */
export function postLog(
  app: ServiceApp,
  payload: object | string | undefined,
  headers: Record<string, string> = {},
  userId = 7,
) {
  const json = typeof payload === 'object';
  return app.inject({
    method: 'POST',
    url: '/api/social/log',
    headers: {
      ...bearer(userId),
      ...(json ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    payload: json ? JSON.stringify(payload) : payload,
  });
}
