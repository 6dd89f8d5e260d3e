import { loadConfig } from '@cloud-backend/shared';
import { TEST_JWT_SECRET } from '@cloud-backend/shared/testing';
import { buildApp } from '../src/app.js';
import { configSchema } from '../src/config.js';

/** The gateway app, built as server.ts builds it, for inject(). */
export async function build(env: Record<string, string> = {}) {
  const config = loadConfig(configSchema, {
    NODE_ENV: 'test',
    JWT_SECRET: TEST_JWT_SECRET,
    ...env,
  });
  return buildApp(config, { logger: false });
}
