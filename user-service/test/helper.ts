import { loadConfig, type ServiceApp } from '@cloud-backend/shared';
import {
  TEST_JWT_SECRET,
  testJwksUrl,
  onTestDatabase,
  signTestToken,
} from '@cloud-backend/shared/testing';
import { buildApp } from '../src/app.js';
import { configSchema } from '../src/config.js';
import type { LightMyRequestResponse } from 'fastify';

export const MIGRATIONS = new URL('../migrations/', import.meta.url);

/** The user-service app on a fresh, migrated database of its own, dropped when the app closes. */
export function build(env: Record<string, string> = {}) {
  return onTestDatabase(
    'user_service',
    (url) =>
      buildApp(
        loadConfig(configSchema, {
          NODE_ENV: 'test',
          JWT_SECRET: TEST_JWT_SECRET,
          JWKS_URL: testJwksUrl(),
          DATABASE_URL: url,
          USER_SYNC_INTERVAL_SECONDS: '0',
          ...env,
        }),
        { logger: false },
      ),
    MIGRATIONS,
  );
}

type App = ServiceApp;

/** An access token of a plain user, as auth-service issues it. */
export function userToken(userId: number, claims: Record<string, unknown> = {}): string {
  return signTestToken({
    user_id: userId,
    role: 'user',
    email: `user${userId}@example.com`,
    name: `Name${userId}`,
    surname: `Surname${userId}`,
    ...claims,
  });
}

export function adminToken(userId = 1, claims: Record<string, unknown> = {}): string {
  return userToken(userId, { role: 'admin', name: 'Ada', surname: 'Admin', ...claims });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Today's date (YYYY-MM-DD) in a time zone. */
export function todayIn(timeZone = 'Europe/Rome'): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date());
}

/** A window around now, so tests do not depend on the time of day they run at. */
export function openWindow(): { starts_at: string; expires_at: string } {
  const now = Date.now();
  return {
    starts_at: new Date(now - 3600_000).toISOString(),
    expires_at: new Date(now + 3 * 3600_000).toISOString(),
  };
}

export interface CreatedEvent {
  event_id: string;
  event_name: string;
  qr_content: string;
  qr_image_base64: string;
  expires_at: string;
  starts_at: string;
  rotation_seconds: number | null;
}

/** Creates an event that is open for check-in now; returns the generate reply. */
export async function createEvent(
  app: App,
  body: Record<string, unknown> = {},
  token = adminToken(),
): Promise<CreatedEvent> {
  const response = await app.inject({
    method: 'POST',
    url: '/qr/admin/generate',
    headers: bearer(token),
    payload: { event_name: `Event ${Math.random()}`, date: todayIn(), ...openWindow(), ...body },
  });
  if (response.statusCode !== 201) {
    throw new Error(`generate answered ${response.statusCode}: ${response.body}`);
  }
  return response.json<CreatedEvent>();
}

/** POST /qr/scan with the decoded QR text, as the app sends it. */
export function scan(
  app: App,
  token: string,
  qrContent: unknown,
  extra: Record<string, unknown> = {},
): Promise<LightMyRequestResponse> {
  const content = typeof qrContent === 'string' ? (JSON.parse(qrContent) as unknown) : qrContent;
  return app.inject({
    method: 'POST',
    url: '/qr/scan',
    headers: bearer(token),
    payload: { qr_content: content, ...extra },
  });
}
