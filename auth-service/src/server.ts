import { grantReadOnlyColumns, runService } from '@cloud-backend/shared';
import { buildApp, SERVICE } from './app.js';
import { configSchema } from './config.js';
import { warnAboutConflicts } from './domain/account-conflicts.js';
import { ensureAdmin } from './domain/admin-bootstrap.js';

await runService({
  service: SERVICE,
  configSchema,
  buildApp,
  migrationsDir: new URL('../migrations/', import.meta.url),
  prepare: async (app, config) => {
    const { pool, hasher, settings } = app.accounts;
    // After the migrations, at every start: an existing database gets the current grants too.
    if (config.DATABASE_READONLY_ROLE) {
      await grantReadOnlyColumns(pool, 'auth-service', config.DATABASE_READONLY_ROLE);
      app.log.info(
        { role: config.DATABASE_READONLY_ROLE },
        'read-only role limited to the columns other services read',
      );
    }
    await warnAboutConflicts(pool, app.log);
    // ADMIN_EMAIL + ADMIN_PASSWORD create (or promote) the first admin.
    if (!config.ADMIN_EMAIL || !config.ADMIN_PASSWORD) return;
    const outcome = await ensureAdmin(
      pool,
      hasher,
      { email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD },
      { onlyIfNoAdmin: true, passwordMinLength: settings.passwordMinLength },
    );
    if (outcome === 'conflict') {
      app.log.warn(
        { outcome },
        'ADMIN_EMAIL belongs to accounts in conflict; no admin made (see /admin/users/conflicts)',
      );
    } else {
      app.log.info({ outcome }, 'first admin check');
    }
  },
});
