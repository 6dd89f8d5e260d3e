import {
  createServiceApp,
  legacyWindow,
  loggerSettings,
  OutboxWorker,
  packageVersion,
  type ServiceApp,
} from '@cloud-backend/shared';
import type { Config } from './config.js';
import type { AuthDeps } from './domain/deps.js';
import { SERVICE } from './domain/auth-events.js';
import { PasswordHasher } from './domain/passwords.js';
import { secretBoxFor } from './domain/secret-box.js';
import { LoginThrottle } from './domain/throttle.js';
import { ERRORS } from './messages.js';
import { isSessionActive } from './repositories/sessions.js';
import { authLogRoutes } from './routes/admin/auth-logs.js';
import { conflictRoutes } from './routes/admin/conflicts.js';
import { adminSessionRoutes } from './routes/admin/sessions.js';
import { adminUserRoutes } from './routes/admin/users.js';
import { revocationRoutes } from './routes/internal/revocations.js';
import { loginRoutes } from './routes/login.js';
import { deviceRoutes } from './routes/devices.js';
import { meRoutes } from './routes/me.js';
import { mfaRoutes } from './routes/mfa.js';
import { registerRoutes } from './routes/register.js';
import { sessionRoutes } from './routes/sessions.js';
import { jwksRoutes } from './routes/jwks.js';
import { openSigningKeys, signingKeysPlugin } from './signing-keys-plugin.js';

export { SERVICE };

export interface BuildOptions {
  /** false in tests that do not read the logs. */
  logger?: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** What the routes share: the pool, the password hasher, token signing, settings. */
    accounts: AuthDeps;
  }
}

/** Builds the auth-service app without listening (server.ts listens; tests use inject()). */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<ServiceApp> {
  // Access tokens are signed with a private key and verified with its public half; HS256 with
  // JWT_SECRET only inside the legacy window (docs/security.md#access-token-keys).
  const signingKeys = await openSigningKeys(config);
  const legacy = legacyWindow(config);
  const app = await createServiceApp({
    service: SERVICE,
    version: packageVersion(import.meta.url),
    logger: options.logger === false ? false : loggerSettings(config),
    database: { url: config.DATABASE_URL, poolMax: config.DATABASE_POOL_MAX },
    trustProxy: config.TRUST_PROXY,
    docs: {
      description:
        'Accounts, credentials, sessions and access tokens, and the login audit log. ' +
        'Italian messages and codes are those of the original service.',
      ui: config.NODE_ENV === 'development',
      tags: [
        { name: 'accounts', description: 'Registration and the signed-in account' },
        { name: 'sessions', description: 'Sign-in, token refresh and sign-out' },
        { name: 'admin', description: 'Account administration and the auth log (admin role)' },
      ],
    },
    auth: {
      keys: signingKeys,
      ...(legacy ? { legacy } : {}),
      missing: { status: 400, body: ERRORS.missingToken },
      unauthorized: ERRORS.invalidToken,
      forbidden: ERRORS.adminRequired,
      // A token of a revoked session (logout, password or role change, deletion) is refused
      // here at once, and at the gateway within its revocation poll period.
      isSessionActive: (claims) =>
        claims.sid === undefined ? false : isSessionActive(app.db, claims.sid),
    },
  });

  const deps: AuthDeps = {
    pool: app.db,
    hasher: new PasswordHasher(config.BCRYPT_COST),
    throttle: new LoginThrottle(app.db, {
      pairLimit: config.LOCKOUT_THRESHOLD,
      accountLimit: config.ACCOUNT_FAILURE_LIMIT,
      addressLimit: config.ADDRESS_FAILURE_LIMIT,
      minutes: config.LOCKOUT_MINUTES,
      knownAddressDays: config.KNOWN_ADDRESS_DAYS,
    }),
    sign: (claims) => signingKeys.sign(claims),
    settings: {
      accessTtl: config.ACCESS_TOKEN_TTL,
      refreshTtl: config.REFRESH_TOKEN_TTL,
      passwordMinLength: config.PASSWORD_MIN_LENGTH,
    },
    mfa: {
      box: secretBoxFor(config),
      issuer: config.MFA_ISSUER,
      adminRequired: config.ADMIN_MFA_REQUIRED,
    },
  };
  app.decorate('accounts', deps);
  await app.register(signingKeysPlugin, { keys: signingKeys, config });
  await app.register(jwksRoutes, { keys: signingKeys });

  await app.register(registerRoutes, deps);
  await app.register(loginRoutes, deps);
  await app.register(sessionRoutes, deps);
  await app.register(meRoutes, deps);
  await app.register(adminUserRoutes, deps);
  await app.register(conflictRoutes, deps);
  await app.register(authLogRoutes, deps);
  await app.register(deviceRoutes, deps);
  await app.register(adminSessionRoutes, deps);
  await app.register(mfaRoutes, deps);
  await app.register(revocationRoutes, { ...deps, internalToken: config.INTERNAL_API_TOKEN });

  if (config.SOCIAL_LOG_SERVICE_URL && config.INTERNAL_API_TOKEN) {
    const worker = new OutboxWorker({
      pool: app.db,
      service: SERVICE,
      targetUrl: config.SOCIAL_LOG_SERVICE_URL,
      token: config.INTERNAL_API_TOKEN,
      log: app.log.child({ component: 'audit-outbox' }),
    });
    app.addHook('onReady', async () => worker.start());
    app.addHook('onClose', () => worker.stop());
  }
  return app;
}
