import { loadConfig } from '@cloud-backend/shared';
import { TEST_JWT_SECRET, createTestDatabase } from '@cloud-backend/shared/testing';
import { buildApp } from '../src/app.js';
import { configSchema } from '../src/config.js';

/** The social-log-service app on a fresh database of its own, dropped when the app closes. */
export async function build(env: Record<string, string> = {}) {
  const db = await createTestDatabase('social_log_service');
  const config = loadConfig(configSchema, {
    NODE_ENV: 'test',
    JWT_SECRET: TEST_JWT_SECRET,
    DATABASE_URL: db.url,
    ...env,
  });
  const app = await buildApp(config, { logger: false });
  app.addHook('onClose', () => db.drop());
  return app;
}
