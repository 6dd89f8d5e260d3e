import { Type, type Static, type TObject, type TProperties } from 'typebox';
import { envSchema } from 'env-schema';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { settingsWithPublicSecrets } from './public-secrets.js';

// ajv-formats ships CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** One variable that is missing or malformed, and what it should hold. */
export interface ConfigProblem {
  variable: string;
  expected: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(
      'Invalid configuration:\n' +
        problems.map((p) => `  - ${p.variable}: ${p.expected}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** A production process given a secret the repository publishes (public-secrets.ts). */
export class PublicSecretError extends ConfigError {
  constructor(readonly variables: string[]) {
    super(variables.map((variable) => ({ variable, expected: 'a secret of your own' })));
    this.message =
      `refusing to start in production: ${variables.join(', ')} ` +
      `${variables.length === 1 ? 'holds a public development value' : 'hold public development values'} ` +
      '(from docker-compose.yml, .env.example or the README); set secrets of your own';
    this.name = 'PublicSecretError';
  }
}

/**
 * In production, refuse the secrets the repository publishes, unless ALLOW_PUBLIC_SECRETS says
 * this is the development container stack (docker-compose.yml sets it; the production overlay
 * clears it).
 */
function refusePublicSecrets(config: Record<string, unknown>): void {
  if (config.NODE_ENV !== 'production' || config.ALLOW_PUBLIC_SECRETS === true) return;
  const variables = settingsWithPublicSecrets(config);
  if (variables.length > 0) throw new PublicSecretError(variables);
}

function describe(schema: TObject, variable: string, error: ErrorObject): string {
  const property = (schema.properties as Record<string, { description?: string } | undefined>)[
    variable
  ];
  const expected = property?.description ?? error.message ?? 'a valid value';
  return error.keyword === 'required'
    ? `missing; expected ${expected}`
    : `invalid; expected ${expected}`;
}

/**
 * Reads, coerces and validates the environment against a TypeBox schema. Every problem is
 * collected (not just the first) so an operator can fix them all in one go. Values are never
 * echoed: they may be secrets or URLs with passwords.
 */
export function loadConfig<T extends TObject>(
  schema: T,
  env: Record<string, string | undefined> = process.env,
): Static<T> {
  const ajv = new Ajv({
    allErrors: true,
    coerceTypes: true,
    useDefaults: true,
    removeAdditional: true,
    allowUnionTypes: true,
  });
  addFormats(ajv);
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    // An empty variable counts as unset, as in most shells' `${VAR:-default}`.
    if (value !== undefined && value !== '') data[key] = value;
  }
  let config: Static<T>;
  try {
    config = envSchema<Static<T>>({
      schema: { ...schema, additionalProperties: false },
      data,
      dotenv: false,
      // `data` is the whole environment; env-schema would otherwise merge process.env back in.
      env: false,
      ajv,
    });
  } catch (err) {
    const errors = (err as { errors?: ErrorObject[] }).errors;
    if (!errors) throw err;
    const seen = new Map<string, ConfigProblem>();
    for (const error of errors) {
      const variable =
        error.keyword === 'required'
          ? (error.params as { missingProperty: string }).missingProperty
          : error.instancePath.replace(/^\//, '');
      if (!seen.has(variable)) {
        seen.set(variable, { variable, expected: describe(schema, variable, error) });
      }
    }
    throw new ConfigError([...seen.values()]);
  }
  refusePublicSecrets(config);
  return config;
}

/** loadConfig for a process entry point: on a bad environment, print every problem and exit 1. */
export function loadConfigOrExit<T extends TObject>(
  service: string,
  schema: T,
  env: Record<string, string | undefined> = process.env,
): Static<T> {
  try {
    return loadConfig(schema, env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${service}: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Settings every service reads. */
export function commonEnv(defaultPort: number) {
  return {
    NODE_ENV: Type.Union(
      [Type.Literal('development'), Type.Literal('production'), Type.Literal('test')],
      { default: 'development', description: 'one of development, production, test' },
    ),
    HOST: Type.String({ default: '0.0.0.0', description: 'the address to listen on' }),
    PORT: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: defaultPort,
      description: 'a TCP port number (0-65535)',
    }),
    LOG_LEVEL: Type.Union(
      LOG_LEVELS.map((level) => Type.Literal(level)),
      { default: 'info', description: `one of ${LOG_LEVELS.join(', ')}` },
    ),
    LOG_FORMAT: Type.Optional(
      Type.Union([Type.Literal('json'), Type.Literal('pretty')], {
        description: 'json or pretty (default: pretty in development, json otherwise)',
      }),
    ),
    SHUTDOWN_TIMEOUT_MS: Type.Integer({
      minimum: 0,
      default: 10000,
      description: 'milliseconds to let in-flight requests finish on SIGTERM',
    }),
    ALLOW_PUBLIC_SECRETS: Type.Boolean({
      default: false,
      description:
        'true only in the development container stack: lets NODE_ENV=production start with ' +
        "the repository's published development secrets",
    }),
  } satisfies TProperties;
}

/** Settings of a service that owns a PostgreSQL database. */
export const databaseEnv = {
  DATABASE_URL: Type.String({
    pattern: '^postgres(ql)?://[^\\s]+$',
    description: "this service's PostgreSQL URL, postgres://user:password@host:5432/database",
  }),
  MIGRATION_DATABASE_URL: Type.Optional(
    Type.String({
      pattern: '^postgres(ql)?://[^\\s]+$',
      description:
        'the URL migrations run with, when the service itself connects with a role that may ' +
        'not change the schema (default: DATABASE_URL)',
    }),
  ),
  DATABASE_POOL_MAX: Type.Integer({
    minimum: 1,
    default: 10,
    description: 'the most connections the pool opens (a positive integer)',
  }),
  DATABASE_STARTUP_TIMEOUT_MS: Type.Integer({
    minimum: 0,
    default: 15000,
    description: 'milliseconds to wait for the database at start-up before giving up',
  }),
} satisfies TProperties;

/**
 * The legacy window: access tokens signed with the old shared HS256 secret, accepted until
 * LEGACY_HS256_UNTIL while JWT_SECRET is still set (docs/security.md#the-legacy-hs256-window).
 */
export const legacyJwtEnv = {
  JWT_SECRET: Type.Optional(
    Type.String({
      minLength: 32,
      description:
        'the old shared HS256 key, at least 32 characters: only to accept tokens issued before ' +
        'the switch to signing keys, until LEGACY_HS256_UNTIL',
    }),
  ),
  LEGACY_HS256_UNTIL: Type.Optional(
    Type.String({
      format: 'date-time',
      description:
        'an ISO 8601 time (e.g. 2026-01-31T12:00:00Z): HS256 tokens of JWT_SECRET are accepted ' +
        'until then, and refused after it',
    }),
  ),
} satisfies TProperties;

/** Settings of a service that verifies access tokens with auth-service's published keys. */
export const jwtEnv = {
  ...legacyJwtEnv,
  JWKS_URL: Type.String({
    pattern: '^https?://[^\\s]+$',
    description:
      "auth-service's public key set, e.g. http://auth-service:3001/.well-known/jwks.json",
  }),
  JWKS_REFRESH_MS: Type.Integer({
    minimum: 1000,
    default: 300000,
    description:
      'milliseconds after which the key set is read again (default 300000); a token with an ' +
      'unknown kid makes it read at once, at most every 5 seconds',
  }),
  JWKS_MAX_STALENESS_MS: Type.Integer({
    minimum: 1000,
    default: 3600000,
    description:
      'milliseconds the last key set read stays trusted while auth-service cannot be reached ' +
      '(default 3600000); after it every token is refused with 503',
  }),
} satisfies TProperties;

export type CommonConfig = Static<TObject<ReturnType<typeof commonEnv>>>;
