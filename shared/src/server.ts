import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import type { Server as HttpServer } from 'node:http';
import { Server as NetServer } from 'node:net';
import type { Static, TObject } from 'typebox';
import { loadConfigOrExit, type CommonConfig } from './config.js';
import { waitForDatabase } from './db.js';
import type { LoggerSettings } from './logger.js';
import { runMigrations } from './migrations.js';
import { startTracing, type Tracing } from './tracing.js';

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

/** Longest wait, on SIGTERM, for clients to finish with their open keep-alive connections. */
export const DRAIN_MAX_MS = 2000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function connectionCount(server: HttpServer): Promise<number> {
  return new Promise((resolve) => server.getConnections((err, count) => resolve(err ? 0 : count)));
}

/**
 * The first half of a graceful stop, before app.close(). app.close() alone closes every idle
 * keep-alive connection at once (http.Server#close does), and a client that has just sent its
 * next request on one of them gets a reset ("other side closed"; through the gateway a 502)
 * from a server that was still running; Fastify also answers its own non-JSON 503 to requests
 * arriving on open connections once closing. So: stop accepting new connections at once, keep
 * serving requests that arrive on open ones but with `Connection: close` (the client then
 * closes it), and hand over to app.close() when no connection is left, or after drainMs for
 * clients that stay idle.
 */
export async function drainConnections(server: HttpServer, drainMs: number): Promise<void> {
  if (!server.listening) return;
  server.prependListener('request', (_request, response) => {
    if (!response.headersSent) response.setHeader('connection', 'close');
  });
  // net.Server's close stops listening and leaves open connections alone (http's closes the
  // idle ones). Its callback runs once the last connection has ended.
  const closed = new Promise<void>((resolve) => {
    NetServer.prototype.close.call(server, () => resolve());
  });
  // app.close() calls server.close() again, which would wait for a 'close' event that may
  // already have been emitted: close the idle rest and answer once everything has ended.
  server.close = (callback?: (err?: Error) => void) => {
    server.closeIdleConnections();
    void closed.then(() => callback?.());
    return server;
  };
  const deadline = Date.now() + drainMs;
  while (Date.now() < deadline && (await connectionCount(server)) > 0) await sleep(25);
}

/**
 * A service's main: validate the environment (exit 1 naming every bad variable), build the app,
 * wait for the database and apply migrations under their lock, listen, and on SIGTERM/SIGINT
 * stop accepting, drain open connections (drainConnections), let in-flight requests finish,
 * close the pool and exit 0.
 */
export async function runService<T extends TObject>(options: RunServiceOptions<T>): Promise<void> {
  const config = loadConfigOrExit(options.service, options.configSchema) as Static<T> &
    ServiceConfig;
  let app: FastifyInstance | undefined;
  let tracing: Tracing | undefined;
  try {
    // Before the app exists: Fastify's instrumentation attaches to every instance created after.
    tracing = await startTracing({ service: options.service });
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
  const startedTracing = tracing;
  closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS }, async ({ signal, err }) => {
    if (err) started.log.error({ err }, 'closing after an unexpected error');
    else started.log.info({ signal }, 'shutting down');
    if (!err) {
      await drainConnections(
        started.server,
        Math.min(DRAIN_MAX_MS, Math.floor(config.SHUTDOWN_TIMEOUT_MS / 4)),
      );
    }
    await started.close();
    // The spans of the last requests, before the process ends.
    // A trace receiver that is down must not turn a clean stop into a failed one.
    await startedTracing
      .shutdown()
      .catch((error: unknown) =>
        started.log.warn({ err: error }, 'the last spans could not be exported'),
      );
  });
}
