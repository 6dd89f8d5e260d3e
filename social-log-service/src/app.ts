import {
  createServiceApp,
  loggerSettings,
  packageVersion,
  type ServiceApp,
  verifierKeys,
} from '@cloud-backend/shared';
import type { Config } from './config.js';
import { countSystemErrors } from './error-metrics.js';
import { auditIngestRoutes } from './routes/audit-ingest.js';
import { auditRoutes } from './routes/audit.js';
import { socialLogRoutes } from './routes/social-logs.js';

export const SERVICE = 'social-log-service';

export interface BuildOptions {
  /** false in tests that do not read the logs. */
  logger?: boolean;
}

const DESCRIPTION =
  'Social events written by signed-in users, and the append-only, hash-chained audit trail ' +
  'that auth-service and user-service feed over the internal network.';

const TAGS = [
  { name: 'social', description: 'Social events written by signed-in users' },
  { name: 'audit', description: 'The append-only, hash-chained audit trail (admin role)' },
];

/** Builds the social-log-service app without listening (server.ts listens; tests use inject()). */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<ServiceApp> {
  const app = await createServiceApp({
    service: SERVICE,
    version: packageVersion(import.meta.url),
    logger: options.logger === false ? false : loggerSettings(config),
    database: { url: config.DATABASE_URL, poolMax: config.DATABASE_POOL_MAX },
    auth: (log) => verifierKeys(config, log),
    docs: { description: DESCRIPTION, ui: config.NODE_ENV === 'development', tags: TAGS },
  });
  app.addHook('onError', countSystemErrors(SERVICE));
  await app.register(socialLogRoutes);
  await app.register(auditRoutes);
  await app.register(auditIngestRoutes, { internalToken: config.INTERNAL_API_TOKEN });
  return app;
}
