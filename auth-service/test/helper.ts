import { loadConfig } from '@cloud-backend/shared';
import { TEST_JWT_SECRET, onTestDatabase } from '@cloud-backend/shared/testing';
import { buildApp } from '../src/app.js';
import { configSchema } from '../src/config.js';

/** The auth-service app on a fresh database of its own, dropped when the app closes. */
export function build(env: Record<string, string> = {}) {
  return onTestDatabase('auth_service', (url) =>
    buildApp(
      loadConfig(configSchema, {
        NODE_ENV: 'test',
        JWT_SECRET: TEST_JWT_SECRET,
        DATABASE_URL: url,
        ...env,
      }),
      { logger: false },
    ),
  );
}
