import { Type, type Static } from 'typebox';
import {
  commonEnv,
  databaseEnv,
  internalTokenEnv,
  jwtEnv,
  readOnlyRoleEnv,
} from '@cloud-backend/shared';

export const configSchema = Type.Object({
  ...commonEnv(3002),
  ...databaseEnv,
  ...jwtEnv,
  ...internalTokenEnv,
  ...readOnlyRoleEnv,
  QR_SECRET: Type.Optional(
    Type.String({
      minLength: 32,
      description:
        'the HS256 key of QR tokens, at least 32 characters (default: derived from JWT_SECRET)',
    }),
  ),
  EVENT_TIMEZONE: Type.String({
    default: 'Europe/Rome',
    description: 'the IANA time zone of event days, e.g. Europe/Rome',
  }),
  AUTH_DATABASE_URL: Type.Optional(
    Type.String({
      pattern: '^postgres(ql)?://[^\\s]+$',
      description:
        "auth-service's PostgreSQL URL with a read-only role (optional: without it users are synced from token claims only)",
    }),
  ),
  USER_SYNC_INTERVAL_SECONDS: Type.Integer({
    minimum: 0,
    default: 300,
    description:
      'seconds between reconciliations of local users with the auth database (0 turns them off)',
  }),
  SOCIAL_LOG_SERVICE_URL: Type.Optional(
    Type.String({
      pattern: '^https?://[^\\s]+$',
      description: 'base URL of social-log-service, where audit events are delivered',
    }),
  ),
  PUBLIC_URL: Type.Optional(
    Type.String({
      pattern: '^https?://[^\\s/?#]+(/[^\\s?#]*)?$',
      description:
        'where people open the web app, e.g. https://attendance.example.com: the start of ' +
        "events' check-in URLs (unset: the origin each request came through)",
    }),
  ),
  LIVE_HEARTBEAT_MS: Type.Integer({
    minimum: 100,
    default: 15000,
    description:
      'milliseconds between the heartbeat comment lines of an idle live check-in stream ' +
      '(proxies close connections that stay silent too long)',
  }),
  TRUST_PROXY: Type.Optional(
    Type.String({
      description:
        'proxies whose X-Forwarded-For is believed: true, false, or a comma list of addresses/CIDRs ' +
        '(default loopback)',
    }),
  ),
});

export type Config = Static<typeof configSchema>;

/**
 * TRUST_PROXY as Fastify takes it. Unset: loopback only, as the gateway and auth-service (a
 * private network is no proof that a peer is the gateway; docs/operations.md).
 */
export function trustProxySetting(value: string | undefined): boolean | string[] {
  if (value === undefined) return ['loopback'];
  if (value === 'false') return false;
  if (value === 'true') return true;
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/** Throws when the time zone is not one the runtime knows (a typo must not start the service). */
export function assertTimeZone(zone: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    throw new Error(`EVENT_TIMEZONE: unknown time zone "${zone}"; expected e.g. Europe/Rome`);
  }
}
