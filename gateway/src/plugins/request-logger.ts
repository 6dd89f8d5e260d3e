import fp from 'fastify-plugin';
import type { FastifyBaseLogger, FastifyLogFn } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
type Level = keyof typeof LEVELS;

function severity(level: string): number {
  return level in LEVELS ? LEVELS[level as Level] : Number.POSITIVE_INFINITY; // silent
}

/**
 * A request's logger that becomes pino's child logger only when the request first writes a line
 * at an enabled level. Creating the child runs pino's redaction over its bindings: with the
 * shared redaction list that is about 4 % of the gateway's CPU per request (bench/gateway), paid
 * even at LOG_LEVEL=warn, where most requests never log anything. What is logged is unchanged.
 */
export class DeferredChildLogger implements FastifyBaseLogger {
  private real: FastifyBaseLogger | undefined;

  readonly fatal = this.method('fatal');
  readonly error = this.method('error');
  readonly warn = this.method('warn');
  readonly info = this.method('info');
  readonly debug = this.method('debug');
  readonly trace = this.method('trace');
  readonly silent: FastifyLogFn = () => undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  get level(): string {
    return this.real?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.logger().level = level;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger().child(bindings, options);
  }

  private logger(): FastifyBaseLogger {
    this.real ??= this.parent.child(this.bindings, this.options);
    return this.real;
  }

  private method(level: Level): FastifyLogFn {
    return (...args: unknown[]) => {
      if (this.real === undefined && LEVELS[level] < severity(this.level)) return;
      const logger = this.logger();
      Reflect.apply(logger[level], logger, args);
    };
  }
}

/** Request loggers for the routes registered after this plugin (the gateway's own and proxied). */
export default fp(
  async (app) => {
    app.setChildLoggerFactory(
      (logger, bindings, options) => new DeferredChildLogger(logger, bindings, options),
    );
  },
  { name: 'gateway-request-logger', fastify: '5.x' },
);
