import { Type, type Static } from 'typebox';
import { commonEnv, jwtEnv } from '@cloud-backend/shared';

const POSTGRES_URL = '^postgres(ql)?://[^\\s]+$';

/**
 * Every data source is optional: an unset one is reported as "not configured" and its values are
 * null, never invented (docs/compatibility.md#fix-dashboard-values), so the dashboard starts, and
 * says what it lacks, wherever it runs.
 */
export const configSchema = Type.Object({
  ...commonEnv(3005),
  // The dashboard routes are admin-only; the service checks the token itself
  // (docs/compatibility.md#fix-dashboard-access).
  ...jwtEnv,
  PROMETHEUS_URL: Type.Optional(
    Type.String({
      pattern: '^https?://[^\\s]+$',
      description: 'the Prometheus server, http://host:9090 (a path prefix is kept)',
    }),
  ),
  PROMETHEUS_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 60000,
    default: 3000,
    description: 'milliseconds one PromQL query may take (100-60000)',
  }),
  AUTH_DATABASE_URL: Type.Optional(
    Type.String({
      pattern: POSTGRES_URL,
      description: "auth-service's database as a read-only role, postgres://user:pw@host/db",
    }),
  ),
  USER_DATABASE_URL: Type.Optional(
    Type.String({
      pattern: POSTGRES_URL,
      description: "user-service's database as a read-only role, postgres://user:pw@host/db",
    }),
  ),
  DATABASE_POOL_MAX: Type.Integer({
    minimum: 1,
    maximum: 20,
    default: 2,
    description: 'the most connections each read-only pool opens (1-20)',
  }),
  DATABASE_QUERY_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 60000,
    default: 3000,
    description: 'milliseconds to connect to a database, and again to run one query (100-60000)',
  }),
});

export type Config = Static<typeof configSchema>;
