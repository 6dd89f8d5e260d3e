import { loadConfig, type ServiceApp } from '@cloud-backend/shared';
import {
  TEST_JWT_SECRET,
  TEST_SIGNING_KEYS_FILE,
  testJwksUrl,
  onTestDatabase,
} from '@cloud-backend/shared/testing';
import { buildApp as buildAuth } from '../../../auth-service/src/app.js';
import { configSchema as authConfig } from '../../../auth-service/src/config.js';
import { ensureAdmin } from '../../../auth-service/src/domain/admin-bootstrap.js';
import { buildApp as buildDashboard } from '../../../monitoring/dashboard-api/src/app.js';
import { configSchema as dashboardConfig } from '../../../monitoring/dashboard-api/src/config.js';
import { buildApp as buildSocialLog } from '../../../social-log-service/src/app.js';
import { configSchema as socialLogConfig } from '../../../social-log-service/src/config.js';
import { buildApp as buildUser } from '../../../user-service/src/app.js';
import { configSchema as userConfig } from '../../../user-service/src/config.js';
import { INTERNAL_TOKEN } from './gateway.js';
import { listen } from './http.js';

const migrations = (folder: string) => new URL(`../../../${folder}/migrations/`, import.meta.url);

export interface Services {
  auth: ServiceApp;
  user: ServiceApp;
  socialLog: ServiceApp;
  dashboard: ServiceApp;
  /** The gateway's environment for these services. */
  env: Record<string, string>;
  /** Creates an admin account as `npm run create-admin` would. */
  createAdmin(email: string, password: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real upstream apps, each on its own migrated database and a real port, built as their
 * own test helpers build them.
 */
export async function startServices(): Promise<Services> {
  const common = {
    NODE_ENV: 'test',
    JWT_SECRET: TEST_JWT_SECRET,
    // auth-service signs with the test key; the others verify with the test run's key set.
    JWT_SIGNING_KEYS_FILE: TEST_SIGNING_KEYS_FILE,
    JWKS_URL: testJwksUrl(),
    INTERNAL_API_TOKEN: INTERNAL_TOKEN,
  };
  const [auth, user, socialLog, dashboard] = await Promise.all([
    onTestDatabase(
      'gw_auth',
      (url) =>
        buildAuth(
          loadConfig(authConfig, {
            ...common,
            DATABASE_URL: url,
            BCRYPT_COST: '4',
            // Every test request comes from 127.0.0.1: auth-service's limit on wrong passwords
            // per address is raised out of the way, as the gateway's rate limits are.
            ADDRESS_FAILURE_LIMIT: '1000000',
          }),
          { logger: false },
        ),
      migrations('auth-service'),
    ),
    onTestDatabase(
      'gw_user',
      (url) =>
        buildUser(
          loadConfig(userConfig, { ...common, DATABASE_URL: url, USER_SYNC_INTERVAL_SECONDS: '0' }),
          { logger: false },
        ),
      migrations('user-service'),
    ),
    onTestDatabase(
      'gw_social',
      (url) =>
        buildSocialLog(loadConfig(socialLogConfig, { ...common, DATABASE_URL: url }), {
          logger: false,
        }),
      migrations('social-log-service'),
    ),
    // Without data sources: dashboard-api reports them as not configured.
    buildDashboard(loadConfig(dashboardConfig, common), { logger: false }),
  ]);
  const apps = [auth, user, socialLog, dashboard];
  const [authUrl, userUrl, socialLogUrl, dashboardUrl] = await Promise.all(apps.map(listen));
  return {
    auth,
    user,
    socialLog,
    dashboard,
    env: {
      AUTH_SERVICE_URL: authUrl ?? '',
      USER_SERVICE_URL: userUrl ?? '',
      SOCIAL_LOG_SERVICE_URL: socialLogUrl ?? '',
      DASHBOARD_API_URL: dashboardUrl ?? '',
    },
    async createAdmin(email, password) {
      const { pool, hasher } = auth.accounts;
      await ensureAdmin(
        pool,
        hasher,
        { email, password, name: 'Ada', surname: 'Admin' },
        { onlyIfNoAdmin: false, passwordMinLength: 8 },
      );
    },
    async close() {
      await Promise.all(apps.map((app) => app.close()));
    },
  };
}
