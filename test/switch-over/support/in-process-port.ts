import { pino } from 'pino';
import { loadConfig, runMigrations, type ServiceApp } from '@cloud-backend/shared';
import {
  TEST_JWT_SECRET,
  TEST_SIGNING_KEYS_FILE,
  testJwksUrl,
} from '@cloud-backend/shared/testing';
import { buildApp as buildAuth } from '../../../auth-service/src/app.js';
import { configSchema as authConfig } from '../../../auth-service/src/config.js';
import { buildApp as buildSocialLog } from '../../../social-log-service/src/app.js';
import { configSchema as socialLogConfig } from '../../../social-log-service/src/config.js';
import { buildApp as buildUser } from '../../../user-service/src/app.js';
import { configSchema as userConfig } from '../../../user-service/src/config.js';
import { INTERNAL_TOKEN, buildGateway } from '../../../gateway/test/support/gateway.js';
import { listen } from '../../../gateway/test/support/http.js';

const MIGRATIONS = {
  auth: new URL('../../../auth-service/migrations/', import.meta.url),
  user: new URL('../../../user-service/migrations/', import.meta.url),
  social: new URL('../../../social-log-service/migrations/', import.meta.url),
};

export interface PortDatabases {
  auth: string;
  user: string;
  social: string;
}

export interface InProcessPort {
  /** The gateway's URL ('' when started without one). */
  gateway: string;
  /** The migrations each service applied at this start, by service. */
  applied: Record<keyof PortDatabases, string[]>;
  close(): Promise<void>;
}

/**
 * What the services do at start-up (their migrations, then their apps), in this process:
 * auth-service, user-service and social-log-service on the given databases, behind a gateway,
 * each on a real port. The process-per-service start is in original-stack.test.ts; this one
 * serves the shapes that need the same checks without the cost of four processes each.
 * `withGateway: false` for a start that only shows what the services' start-up does to their
 * databases: the gateway has none.
 */
export async function startPortInProcess(
  databases: PortDatabases,
  { withGateway = true } = {},
): Promise<InProcessPort> {
  const log = pino({ level: 'silent' });
  const applied = {
    auth: await runMigrations({ databaseUrl: databases.auth, dir: MIGRATIONS.auth, log }),
    user: await runMigrations({ databaseUrl: databases.user, dir: MIGRATIONS.user, log }),
    social: await runMigrations({ databaseUrl: databases.social, dir: MIGRATIONS.social, log }),
  };
  const common = {
    NODE_ENV: 'test',
    JWT_SECRET: TEST_JWT_SECRET,
    // auth-service signs with the test key; the others verify with the test run's key set.
    JWT_SIGNING_KEYS_FILE: TEST_SIGNING_KEYS_FILE,
    JWKS_URL: testJwksUrl(),
    INTERNAL_API_TOKEN: INTERNAL_TOKEN,
  };
  const apps: ServiceApp[] = [];
  try {
    const social = await buildSocialLog(
      loadConfig(socialLogConfig, { ...common, DATABASE_URL: databases.social }),
      { logger: false },
    );
    apps.push(social);
    const socialUrl = await listen(social);
    const auth = await buildAuth(
      loadConfig(authConfig, {
        ...common,
        DATABASE_URL: databases.auth,
        // Below the original's cost 10: logins verify its hashes without re-hashing them (only
        // a lower stored cost is upgraded; the re-hash to a higher cost is checked once, in
        // original-stack.test.ts), and a hash this service makes itself costs little.
        BCRYPT_COST: '4',
        SOCIAL_LOG_SERVICE_URL: socialUrl,
      }),
      { logger: false },
    );
    apps.push(auth);
    const user = await buildUser(
      loadConfig(userConfig, {
        ...common,
        DATABASE_URL: databases.user,
        USER_SYNC_INTERVAL_SECONDS: '0',
        SOCIAL_LOG_SERVICE_URL: socialUrl,
      }),
      { logger: false },
    );
    apps.push(user);
    const [authUrl, userUrl] = await Promise.all([listen(auth), listen(user)]);
    const close = async () => {
      await Promise.all(apps.reverse().map((app) => app.close()));
    };
    if (!withGateway) return { gateway: '', applied, close };
    const gateway = await buildGateway({
      AUTH_SERVICE_URL: authUrl,
      USER_SERVICE_URL: userUrl,
      SOCIAL_LOG_SERVICE_URL: socialUrl,
      DASHBOARD_API_URL: 'http://127.0.0.1:9',
    });
    apps.push(gateway);
    return {
      gateway: await listen(gateway),
      applied,
      close,
    };
  } catch (err) {
    await Promise.all(apps.map((app) => app.close()));
    throw err;
  }
}
