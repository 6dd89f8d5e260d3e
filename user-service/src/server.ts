import { runService } from '@cloud-backend/shared';
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
  prepare: async (app) => {
    logLegacyReport(app.log, await readLegacyReport(app.db));
  },
});
