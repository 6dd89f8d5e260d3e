import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import { ReadOnlyDatabase } from './database.js';
import { PrometheusClient } from './prometheus.js';

export { ReadOnlyDatabase, readOnlyUrl, type DatabaseName } from './database.js';
export { PrometheusClient, parseSampleValue, type Sample } from './prometheus.js';
export { SourceError, describeError, type FailureKind, type SourceName } from './source-error.js';

/** The configured sources; an unset variable leaves its source undefined ("not configured"). */
export interface Sources {
  prometheus?: PrometheusClient;
  auth_db?: ReadOnlyDatabase;
  user_db?: ReadOnlyDatabase;
}

/** The environment variable that configures each source, for "not configured" messages. */
export const SOURCE_VARIABLES = {
  prometheus: 'PROMETHEUS_URL',
  auth_db: 'AUTH_DATABASE_URL',
  user_db: 'USER_DATABASE_URL',
} as const;

export function createSources(config: Config, service: string, log: FastifyBaseLogger): Sources {
  const database = (name: 'auth_db' | 'user_db', url: string | undefined) =>
    url === undefined
      ? undefined
      : new ReadOnlyDatabase(
          name,
          {
            url,
            poolMax: config.DATABASE_POOL_MAX,
            timeoutMs: config.DATABASE_QUERY_TIMEOUT_MS,
            service,
          },
          log,
        );
  return {
    prometheus:
      config.PROMETHEUS_URL === undefined
        ? undefined
        : new PrometheusClient(config.PROMETHEUS_URL, config.PROMETHEUS_TIMEOUT_MS),
    auth_db: database('auth_db', config.AUTH_DATABASE_URL),
    user_db: database('user_db', config.USER_DATABASE_URL),
  };
}

export async function closeSources(sources: Sources): Promise<void> {
  await Promise.all([sources.auth_db?.close(), sources.user_db?.close()]);
}
