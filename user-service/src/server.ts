import { grantReadOnlyColumns, runService } from '@cloud-backend/shared';
import { buildApp, SERVICE } from './app.js';
import { configSchema } from './config.js';
import { logLegacyReport } from './legacy/log-report.js';
import { readLegacyReport } from './legacy/report.js';

await runService({
  service: SERVICE,
  configSchema,
  buildApp,
  migrationsDir: new URL('../migrations/', import.meta.url),
  // After an upgrade from the original: what was kept aside, at every start until it is gone.
  prepare: async (app, config) => {
    // After the migrations, at every start: an existing database gets the current grants too.
    if (config.DATABASE_READONLY_ROLE) {
      await grantReadOnlyColumns(app.db, 'user-service', config.DATABASE_READONLY_ROLE);
      app.log.info(
        { role: config.DATABASE_READONLY_ROLE },
        'read-only role limited to the columns other services read',
      );
    }
    logLegacyReport(app.log, await readLegacyReport(app.db));
  },
});
