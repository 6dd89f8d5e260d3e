import { runService } from '@cloud-backend/shared';
import { buildApp, SERVICE } from './app.js';
import { configSchema } from './config.js';

await runService({
  service: SERVICE,
  configSchema,
  buildApp,
});
