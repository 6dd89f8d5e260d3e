import {
  authPlugin,
  createServiceApp,
  loggerSettings,
  packageVersion,
  type AccessTokenClaims,
  type AuthOptions,
  type LoggerSettings,
  type ServiceApp,
  verifierKeys,
} from '@cloud-backend/shared';
import { assertTimeZone, trustProxySetting, type Config } from './config.js';
import { MESSAGES } from './messages.js';
import attendanceServices from './plugins/attendance.js';
import auditOutbox from './plugins/audit.js';
import gauges from './plugins/gauges.js';
import liveAttendance from './live/plugin.js';
import profileRoutes from './routes/profile.js';
import qrRoutes from './routes/qr/index.js';
import userRoutes from './routes/users.js';

export const SERVICE = 'user-service';

export interface BuildOptions {
  /** false in tests that do not read the logs. */
  logger?: boolean;
  /** Where log lines go instead of stdout (tests that read them). */
  logStream?: LoggerSettings['stream'];
}

const DESCRIPTION =
  'Profiles, QR attendance events, check-in, statuses and reports. Every route but /health, ' +
  '/health/ready and /metrics needs an access token from auth-service; /qr/admin/* and /users* ' +
  'need the admin role.';

const TAGS = [
  { name: 'profile', description: "The caller's identity" },
  { name: 'check-in', description: "Scanning an event's QR and the caller's attendance" },
  { name: 'users', description: 'Local user profiles (admin role)' },
  { name: 'events (admin)', description: 'QR attendance events and their QR codes (admin role)' },
  {
    name: 'attendance (admin)',
    description: "Events' attendance, statuses and reports (admin role)",
  },
];

/** Builds the user-service app without listening (server.ts listens; tests use inject()). */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<ServiceApp> {
  assertTimeZone(config.EVENT_TIMEZONE);
  const app = await createServiceApp({
    service: SERVICE,
    version: packageVersion(import.meta.url),
    logger:
      options.logger === false
        ? false
        : {
            ...loggerSettings(config),
            ...(options.logStream ? { stream: options.logStream } : {}),
          },
    database: { url: config.DATABASE_URL, poolMax: config.DATABASE_POOL_MAX },
    docs: { description: DESCRIPTION, ui: config.NODE_ENV === 'development', tags: TAGS },
    trustProxy: trustProxySetting(config.TRUST_PROXY),
  });
  await app.register(attendanceServices, { config });
  await app.register(auditOutbox, { config, service: SERVICE });
  await app.register(gauges, { service: SERVICE });
  await app.register(liveAttendance, { config });

  // Each verified request also refreshes the caller's local users row; an account deleted in
  // auth-service stops here, even with an unexpired token.
  const keys = verifierKeys(config, app.log);
  const auth = (unauthorized: AuthOptions['unauthorized']): AuthOptions => ({
    ...keys,
    unauthorized,
    forbidden: MESSAGES.adminRequired,
    isSessionActive: (claims: AccessTokenClaims) => app.userSync.ensure(claims),
  });

  // The original's /profile answered USER_INFO_MISSING when it had no identity; the token
  // check of /qr and /users answered "Token non valido o mancante". Two scopes keep both.
  await app.register(async (scope) => {
    await scope.register(authPlugin, auth(MESSAGES.userInfoMissing));
    await scope.register(profileRoutes);
  });
  await app.register(async (scope) => {
    await scope.register(authPlugin, auth(MESSAGES.tokenInvalid));
    await scope.register(userRoutes, { prefix: '/users' });
    await scope.register(qrRoutes, { prefix: '/qr' });
  });
  return app;
}
