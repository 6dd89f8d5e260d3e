import { runService } from '@cloud-backend/shared';
import { buildApp, SERVICE } from './app.js';
import { configSchema } from './config.js';
import { logLegacySocialLogs } from './legacy-report.js';

await runService({
  service: SERVICE,
  configSchema,
  buildApp,
  migrationsDir: new URL('../migrations/', import.meta.url),
  prepare: async (app, config) => {
    await logLegacySocialLogs(config.MIGRATION_DATABASE_URL ?? config.DATABASE_URL, app.log);
  },
});
