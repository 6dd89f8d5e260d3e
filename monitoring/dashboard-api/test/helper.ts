import { loadConfig } from '@cloud-backend/shared';

import { buildApp } from '../src/app.js';
import { configSchema } from '../src/config.js';

/** The dashboard-api app, built as server.ts builds it, for inject(). */
export async function build(env: Record<string, string> = {}) {
  const config = loadConfig(configSchema, { NODE_ENV: 'test', ...env });
  return buildApp(config, { logger: false });
}
