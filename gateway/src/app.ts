import {
  createServiceApp,
  loggerSettings,
  packageVersion,
  type ServiceApp,
} from '@cloud-backend/shared';
import type { Config } from './config.js';

export const SERVICE = 'gateway';

export interface BuildOptions {
  /** false in tests that do not read the logs. */
  logger?: boolean;
}

/** Builds the gateway app without listening (server.ts listens; tests use inject()). */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<ServiceApp> {
  return createServiceApp({
    service: SERVICE,
    version: packageVersion(import.meta.url),
    logger: options.logger === false ? false : loggerSettings(config),
    auth: { secret: config.JWT_SECRET },
  });
}
