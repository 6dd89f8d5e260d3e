import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import type { Static, TObject } from 'typebox';
import { loadConfigOrExit, type CommonConfig } from './config.js';
import { waitForDatabase } from './db.js';
import type { LoggerSettings } from './logger.js';
import { runMigrations } from './migrations.js';

type ServiceConfig = CommonConfig & {
  DATABASE_URL?: string;
  MIGRATION_DATABASE_URL?: string;
  DATABASE_STARTUP_TIMEOUT_MS?: number;
};

/** The logger settings a service's configuration asks for. */
export function loggerSettings(config: CommonConfig): Omit<LoggerSettings, 'service'> {
  return {
    level: config.LOG_LEVEL,
    format: config.LOG_FORMAT ?? (config.NODE_ENV === 'development' ? 'pretty' : 'json'),
  };
}

export interface RunServiceOptions<T extends TObject> {
  service: string;
  configSchema: T;
  buildApp: (config: Static<T>) => Promise<FastifyInstance>;
  /** The service's migrations/ folder, applied before it starts listening. */
  migrationsDir?: URL;
  /** Runs once the schema is current, before listening (e.g. creating the first admin). */
  prepare?: (app: FastifyInstance, config: Static<T>) => Promise<void>;
}

function fail(service: string, app: FastifyInstance | undefined, err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  app?.log.fatal({ err }, 'start-up failed');
  // Written directly too: a logger transport may not flush before exit.
  process.stderr.write(`${service}: start-up failed: ${message}\n`);
  process.exit(1);
}

/**
 * A service's main: validate the environment (exit 1 naming every bad variable), build the app,
 * wait for the database and apply migrations under their lock, listen, and on SIGTERM/SIGINT
 * stop accepting, let in-flight requests finish, close the pool and exit 0.
 */
export async function runService<T extends TObject>(options: RunServiceOptions<T>): Promise<void> {
  const config = loadConfigOrExit(options.service, options.configSchema) as Static<T> &
    ServiceConfig;
  let app: FastifyInstance | undefined;
  try {
    app = await options.buildApp(config);
    const migrationUrl = config.MIGRATION_DATABASE_URL ?? config.DATABASE_URL;
    if (options.migrationsDir && migrationUrl) {
      await waitForDatabase(migrationUrl, config.DATABASE_STARTUP_TIMEOUT_MS ?? 15000, app.log);
      await runMigrations({
        databaseUrl: migrationUrl,
        dir: options.migrationsDir,
        log: app.log,
      });
    }
    await options.prepare?.(app, config);
    await app.listen({ host: config.HOST, port: config.PORT });
  } catch (err) {
    fail(options.service, app, err);
  }
  const started = app;
  closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS }, async ({ signal, err }) => {
    if (err) started.log.error({ err }, 'closing after an unexpected error');
    else started.log.info({ signal }, 'shutting down');
    await started.close();
  });
}
