import { runService } from '@cloud-backend/shared';
import { buildApp, SERVICE } from './app.js';
import { configSchema } from './config.js';
import { ensureAdmin } from './domain/admin-bootstrap.js';

await runService({
  service: SERVICE,
  configSchema,
  buildApp,
  migrationsDir: new URL('../migrations/', import.meta.url),
  // decisions §4: ADMIN_EMAIL + ADMIN_PASSWORD create (or promote) the first admin.
  prepare: async (app, config) => {
    if (!config.ADMIN_EMAIL || !config.ADMIN_PASSWORD) return;
    const { pool, hasher, settings } = app.accounts;
    const outcome = await ensureAdmin(
      pool,
      hasher,
      { email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD },
      { onlyIfNoAdmin: true, passwordMinLength: settings.passwordMinLength },
    );
    app.log.info({ outcome }, 'first admin check');
  },
});
