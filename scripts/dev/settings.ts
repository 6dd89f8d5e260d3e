import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A service make dev starts, and where its port comes from. */
export interface ServiceDefinition {
  name: string;
  dir: string;
  portVariable: string;
  defaultPort: number;
}

export const SERVICES = [
  { name: 'gateway', dir: 'gateway', portVariable: 'GATEWAY_PORT', defaultPort: 3000 },
  {
    name: 'auth-service',
    dir: 'auth-service',
    portVariable: 'AUTH_SERVICE_PORT',
    defaultPort: 3001,
  },
  {
    name: 'user-service',
    dir: 'user-service',
    portVariable: 'USER_SERVICE_PORT',
    defaultPort: 3002,
  },
  {
    name: 'social-log-service',
    dir: 'social-log-service',
    portVariable: 'SOCIAL_LOG_SERVICE_PORT',
    defaultPort: 3003,
  },
  {
    name: 'dashboard-api',
    dir: 'monitoring/dashboard-api',
    portVariable: 'DASHBOARD_API_PORT',
    defaultPort: 3005,
  },
] as const satisfies readonly ServiceDefinition[];

export type ServiceName = (typeof SERVICES)[number]['name'];

/** The database URLs each service is given: its own, and the read-only ones it reads across. */
export interface DatabaseUrls {
  auth: string;
  users: string;
  socialLogs: string;
  authReadonly: string;
  usersReadonly: string;
}

export interface DevSettings {
  dataDir: string;
  /** Where the web app is built at start, and served from by the gateway. */
  frontendDir: string;
  postgresPort: number;
  ports: Record<ServiceName, number>;
  /** Set when the developer points make dev at their own PostgreSQL. */
  externalDatabases?: DatabaseUrls;
  /** JWT_SECRET from the environment, which beats the generated one. */
  jwtSecretOverride?: string;
}

export class SettingsError extends Error {}

function port(env: NodeJS.ProcessEnv, variable: string, fallback: number): number {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new SettingsError(`${variable} must be a TCP port number (1-65535), got "${raw}"`);
  }
  return value;
}

const nonEmpty = (value: string | undefined): value is string =>
  value !== undefined && value !== '';

export function readSettings(env: NodeJS.ProcessEnv): DevSettings {
  // A path given in the environment means what it means in the shell: relative to the cwd.
  const dataDir = nonEmpty(env.DEV_DATA_DIR) ? resolve(env.DEV_DATA_DIR) : join(REPO_ROOT, '.data');
  const frontendDir = nonEmpty(env.DEV_FRONTEND_DIR)
    ? resolve(env.DEV_FRONTEND_DIR)
    : join(REPO_ROOT, 'frontend', 'dist');
  const postgresPort = port(env, 'DEV_POSTGRES_PORT', 54320);
  const ports = Object.fromEntries(
    SERVICES.map((s) => [s.name, port(env, s.portVariable, s.defaultPort)]),
  ) as Record<ServiceName, number>;
  const taken = new Map<number, string>();
  for (const [name, value] of Object.entries(ports)) {
    const other = taken.get(value);
    if (other) throw new SettingsError(`${name} and ${other} are both set to port ${value}`);
    taken.set(value, name);
  }

  const settings: DevSettings = { dataDir, frontendDir, postgresPort, ports };
  const { AUTH_DATABASE_URL: auth, USER_DATABASE_URL: users } = env;
  const socialLogs = env.SOCIAL_LOG_DATABASE_URL;
  if (nonEmpty(auth) && nonEmpty(users) && nonEmpty(socialLogs)) {
    settings.externalDatabases = {
      auth,
      users,
      socialLogs,
      authReadonly: nonEmpty(env.AUTH_READONLY_DATABASE_URL)
        ? env.AUTH_READONLY_DATABASE_URL
        : auth,
      usersReadonly: nonEmpty(env.USER_READONLY_DATABASE_URL)
        ? env.USER_READONLY_DATABASE_URL
        : users,
    };
  }
  if (nonEmpty(env.JWT_SECRET)) {
    // Checked here as well as in the services, so the mistake is reported once, not four times.
    if (env.JWT_SECRET.length < 32)
      throw new SettingsError('JWT_SECRET must be at least 32 characters');
    settings.jwtSecretOverride = env.JWT_SECRET;
  }
  return settings;
}

/** True when some, but not all, of the external database URLs are set: worth a warning. */
export function partialExternalDatabases(env: NodeJS.ProcessEnv): boolean {
  const set = ['AUTH_DATABASE_URL', 'USER_DATABASE_URL', 'SOCIAL_LOG_DATABASE_URL'].filter((v) =>
    nonEmpty(env[v]),
  );
  return set.length > 0 && set.length < 3;
}

// Variables that configure make dev itself. They are removed from every child's environment so
// that, for example, a dev-level AUTH_DATABASE_URL (the auth owner's URL) can never reach
// user-service, where the same name means the read-only URL.
const ORCHESTRATOR_VARIABLES = [
  'DEV_DATA_DIR',
  'DEV_FRONTEND_DIR',
  'DEV_POSTGRES_PORT',
  'AUTH_DATABASE_URL',
  'USER_DATABASE_URL',
  'SOCIAL_LOG_DATABASE_URL',
  'AUTH_READONLY_DATABASE_URL',
  'USER_READONLY_DATABASE_URL',
  'DATABASE_URL',
  'DATABASE_READONLY_ROLE',
  'JWT_SECRET',
  'JWKS_URL',
  'JWT_SIGNING_KEYS_FILE',
  'INTERNAL_API_TOKEN',
  'ADMIN_EMAIL',
  'ADMIN_PASSWORD',
  'PORT',
  'AUTH_SERVICE_URL',
  'USER_SERVICE_URL',
  'SOCIAL_LOG_SERVICE_URL',
  'DASHBOARD_API_URL',
  ...SERVICES.map((s) => s.portVariable),
];

/** The secrets the services are started with. */
export interface ServiceSecrets {
  jwtSecret: string;
  internalToken: string;
  admin: { email: string; password: string };
}

/** The first admin: ADMIN_EMAIL/ADMIN_PASSWORD when the developer sets them, else generated. */
export function devAdmin(env: NodeJS.ProcessEnv, generatedPassword: string) {
  return {
    email: nonEmpty(env.ADMIN_EMAIL) ? env.ADMIN_EMAIL : 'admin@example.com',
    password: nonEmpty(env.ADMIN_PASSWORD) ? env.ADMIN_PASSWORD : generatedPassword,
  };
}

/**
 * DATABASE_READONLY_ROLE for the service owning a database: the read-only URL's role, unless
 * that URL is the owner's own (an external database without a read-only URL).
 */
function readOnlyRole(readonlyUrl: string, ownerUrl: string): NodeJS.ProcessEnv {
  const role = decodeURIComponent(new URL(readonlyUrl).username);
  return role && role !== decodeURIComponent(new URL(ownerUrl).username)
    ? { DATABASE_READONLY_ROLE: role }
    : {};
}

/** Every child's environment: the developer's variables plus exactly what that service needs. */
export function serviceEnvironments(
  env: NodeJS.ProcessEnv,
  settings: DevSettings,
  databases: DatabaseUrls,
  secrets: ServiceSecrets,
): Record<ServiceName, NodeJS.ProcessEnv> {
  const { jwtSecret, internalToken } = secrets;
  const base: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(env).filter(([name]) => !ORCHESTRATOR_VARIABLES.includes(name)),
  );
  base.NODE_ENV = 'development';
  // The developer may still ask for JSON lines, e.g. to pipe them into a log viewer.
  base.LOG_FORMAT = nonEmpty(env.LOG_FORMAT) ? env.LOG_FORMAT : 'pretty';
  // The children write into pipes, so pino-pretty would not colour on its own.
  if (process.stdout.isTTY) base.FORCE_COLOR = '1';

  const url = (name: ServiceName) => `http://127.0.0.1:${settings.ports[name]}`;
  // auth-service signs access tokens with a key it creates on the first run, kept in .data/;
  // the others verify with the public keys it publishes (docs/security.md#access-token-keys).
  // JWT_SECRET stays: user-service derives its QR-token key from it.
  const keys = { JWKS_URL: `${url('auth-service')}/.well-known/jwks.json` };
  const withPort = (name: ServiceName, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
    ...base,
    PORT: String(settings.ports[name]),
    ...extra,
  });
  return {
    gateway: withPort('gateway', {
      JWT_SECRET: jwtSecret,
      ...keys,
      FRONTEND_DIR: settings.frontendDir,
      INTERNAL_API_TOKEN: internalToken,
      AUTH_SERVICE_URL: url('auth-service'),
      USER_SERVICE_URL: url('user-service'),
      SOCIAL_LOG_SERVICE_URL: url('social-log-service'),
      DASHBOARD_API_URL: url('dashboard-api'),
    }),
    'auth-service': withPort('auth-service', {
      DATABASE_URL: databases.auth,
      ...readOnlyRole(databases.authReadonly, databases.auth),
      JWT_SECRET: jwtSecret,
      JWT_SIGNING_KEYS_FILE: join(settings.dataDir, 'signing-keys.json'),
      JWT_SIGNING_KEYS_CREATE: 'true',
      INTERNAL_API_TOKEN: internalToken,
      SOCIAL_LOG_SERVICE_URL: url('social-log-service'),
      ADMIN_EMAIL: secrets.admin.email,
      ADMIN_PASSWORD: secrets.admin.password,
    }),
    'user-service': withPort('user-service', {
      DATABASE_URL: databases.users,
      ...readOnlyRole(databases.usersReadonly, databases.users),
      JWT_SECRET: jwtSecret,
      ...keys,
      AUTH_DATABASE_URL: databases.authReadonly,
      INTERNAL_API_TOKEN: internalToken,
      SOCIAL_LOG_SERVICE_URL: url('social-log-service'),
    }),
    'social-log-service': withPort('social-log-service', {
      DATABASE_URL: databases.socialLogs,
      JWT_SECRET: jwtSecret,
      ...keys,
      INTERNAL_API_TOKEN: internalToken,
    }),
    'dashboard-api': withPort('dashboard-api', {
      JWT_SECRET: jwtSecret,
      ...keys,
      AUTH_DATABASE_URL: databases.authReadonly,
      USER_DATABASE_URL: databases.usersReadonly,
    }),
  };
}

export const dataPath = (settings: DevSettings, ...parts: string[]): string =>
  join(settings.dataDir, ...parts);
