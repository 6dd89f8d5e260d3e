import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { authPlugin, type AuthOptions } from './auth.js';
import { clientErrorHandler } from './client-errors.js';
import { createPool, isDatabaseReady, type Pool } from './db.js';
import { errorHandler, METHOD_NOT_ALLOWED, NOT_FOUND } from './errors.js';
import { useStorableJsonParser } from './json-body.js';
import { healthRoutes, type ReadinessCheck } from './health.js';
import { loggerOptions, requestIdFrom, type LoggerSettings } from './logger.js';
import { metrics, registry, reportPoolSize } from './metrics.js';
import { registerOpenApi, type DocsOptions } from './openapi.js';
import { RouteTable } from './route-table.js';
import { validatorCompiler } from './validation.js';

export type ServiceApp = FastifyInstance<
  Server,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

declare module 'fastify' {
  interface FastifyInstance {
    /** The service's own PostgreSQL pool (services created with `database`). */
    db: Pool;
  }
}

export interface ServiceAppOptions {
  service: string;
  version: string;
  /** false: no logging at all (tests that do not look at logs). */
  logger: Omit<LoggerSettings, 'service'> | false;
  database?: { url: string; poolMax?: number };
  /** Or a function of the app's logger, so that key-set read failures are logged. */
  auth?: AuthOptions | ((log: FastifyBaseLogger) => AuthOptions);
  /** Extra readiness checks besides the database's. */
  readiness?: Record<string, ReadinessCheck>;
  /** OpenAPI document from the route schemas (and the /docs page when asked). */
  docs?: DocsOptions;
  bodyLimit?: number;
  trustProxy?: boolean | string | string[];
  /**
   * Headers every answer must carry (the gateway's CORS and security headers), set before
   * anything can answer: the 400s raised before routing included, which no hook sees.
   */
  everyAnswer?: (request: FastifyRequest, reply: FastifyReply) => void;
}

const ONE_MIB = 1024 * 1024;

const INVALID_TEXT_IN_URL = {
  error: 'The URL may not contain NUL characters',
  code: 'INVALID_TEXT',
};

/**
 * The Fastify instance every service starts from: logging with redaction and request ids, the
 * JSON error model with 404/405, Prometheus metrics by route template, /health and
 * /health/ready, and optionally the database pool and access-token verification. The service
 * then registers its own routes on it.
 */
export async function createServiceApp(options: ServiceAppOptions): Promise<ServiceApp> {
  const app = Fastify({
    logger:
      options.logger === false
        ? false
        : loggerOptions({ service: options.service, ...options.logger }),
    genReqId: requestIdFrom,
    // Errors raised before routing (a malformed percent-encoding, say) keep the JSON model.
    frameworkErrors: (_error, request, reply) => {
      options.everyAnswer?.(request, reply);
      void (reply as FastifyReply)
        .code(400)
        .send({ error: 'Malformed request URL', code: 'BAD_URL' });
    },
    // So do errors raised by Node's HTTP parser, before there is a request (client-errors.ts).
    clientErrorHandler,
    routerOptions: { ignoreTrailingSlash: true },
    bodyLimit: options.bodyLimit ?? ONE_MIB,
    requestTimeout: 30_000,
    keepAliveTimeout: 72_000,
    trustProxy: options.trustProxy ?? false,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  useStorableJsonParser(app);
  app.setErrorHandler(errorHandler);

  if (options.docs) await registerOpenApi(app, options.service, options.version, options.docs);

  const routes = new RouteTable();
  app.addHook('onRoute', (route) => routes.add(route));
  app.setNotFoundHandler((request, reply) => {
    const allowed = routes.allowedMethods(request.url);
    if (allowed.length > 0) {
      return reply.code(405).header('allow', allowed.join(', ')).send(METHOD_NOT_ALLOWED);
    }
    return reply.code(404).send(NOT_FOUND);
  });

  // The hooks every request passes through are callback-style: a promise per hook per request
  // is a measurable share of a proxy hop's cost (bench/gateway).
  const { everyAnswer } = options;
  app.addHook('onRequest', (request, reply, done) => {
    everyAnswer?.(request, reply);
    reply.header('x-request-id', request.id);
    // A NUL can never be stored in PostgreSQL text; refused here, it cannot become a 500 in a
    // query built from a path parameter or a query string.
    if (request.url.includes('%00')) {
      void reply.code(400).send(INVALID_TEXT_IN_URL);
      return;
    }
    done();
  });

  // While shutting down, a response to a request already in flight closes its keep-alive
  // connection; otherwise the client could keep it open and hold the shutdown until the timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  // Recorded once the response is final, so 404s, 405s and errors carry their real status.
  app.addHook('onResponse', (request, reply, done) => {
    const endpoint = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequestsTotal.inc({
      method: request.method,
      endpoint,
      status_code: String(reply.statusCode),
      service: options.service,
    });
    metrics.httpRequestDuration.observe(
      { method: request.method, endpoint, service: options.service },
      reply.elapsedTime / 1000,
    );
    done();
  });

  const metricsSchema = {
    tags: ['metrics'],
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    description:
      "The service's metrics in Prometheus' text format, for the scraper on the internal " +
      'network (nginx and the gateway never route /metrics from outside).',
    produces: ['text/plain'],
  };
  app.get('/metrics', { schema: metricsSchema }, async (_request, reply) => {
    return reply.type(registry.contentType).send(await registry.metrics());
  });

  const checks: Record<string, ReadinessCheck> = { ...options.readiness };
  if (options.database) {
    const pool = createPool(
      {
        connectionString: options.database.url,
        max: options.database.poolMax,
        applicationName: options.service,
      },
      app.log,
    );
    const database = new URL(options.database.url).pathname.slice(1);
    const stopReporting = reportPoolSize(() => ({
      service: options.service,
      database,
      open: pool.totalCount,
    }));
    app.decorate('db', pool);
    app.addHook('onClose', async () => {
      stopReporting();
      await pool.end();
    });
    checks.database = () => isDatabaseReady(pool);
  }

  await app.register(healthRoutes, {
    service: options.service,
    version: options.version,
    checks,
  });
  if (options.auth) {
    const auth = typeof options.auth === 'function' ? options.auth(app.log) : options.auth;
    await app.register(authPlugin, auth);
  }

  return app;
}
