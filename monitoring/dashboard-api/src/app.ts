import {
  createServiceApp,
  loggerSettings,
  packageVersion,
  type ServiceApp,
  verifierKeys,
} from '@cloud-backend/shared';
import type { Config } from './config.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { closeSources, createSources } from './sources/index.js';

export const SERVICE = 'dashboard-api';

export interface BuildOptions {
  /** false in tests that do not read the logs. */
  logger?: boolean;
}

const DESCRIPTION =
  'Admin dashboards over Prometheus and read-only connections to the auth and user databases. ' +
  'Every value comes from a real PromQL or SQL query; a value that cannot be known is null, ' +
  'and each reply says in metadata which source answered and why a field is null.';

/** Builds the dashboard-api app without listening (server.ts listens; tests use inject()). */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<ServiceApp> {
  const app = await createServiceApp({
    service: SERVICE,
    version: packageVersion(import.meta.url),
    logger: options.logger === false ? false : loggerSettings(config),
    auth: (log) => verifierKeys(config, log),
    docs: {
      description: DESCRIPTION,
      ui: config.NODE_ENV === 'development',
      tags: [{ name: 'dashboard', description: 'Admin dashboards (admin role)' }],
    },
    // No readiness checks: with a source down the dashboard still answers, with that source's
    // fields null and the reason in metadata, so it keeps taking traffic.
  });
  const sources = createSources(config, SERVICE, app.log);
  app.addHook('onClose', () => closeSources(sources));
  await app.register(dashboardRoutes, { sources });
  return app;
}
