import { defineConfig } from 'vitest/config';

const SOURCE = ['@cloud-backend/source'];
const WORKSPACES: Record<string, string> = {
  shared: 'shared',
  gateway: 'gateway',
  'auth-service': 'auth-service',
  'user-service': 'user-service',
  'social-log-service': 'social-log-service',
  'dashboard-api': 'monitoring/dashboard-api',
  frontend: 'frontend',
};

// Settings every project repeats; projects do not extend the root config, so that the global
// setup below runs once for the whole run rather than once per project.
const shared = {
  resolve: { conditions: SOURCE },
  ssr: { resolve: { conditions: SOURCE } },
  test: { testTimeout: 30_000, hookTimeout: 60_000 },
};

// One PostgreSQL for the whole run (global setup), one project per workspace, plus the
// repository's own tests (make dev and friends) under test/.
export default defineConfig({
  test: {
    globalSetup: ['./shared/src/testing/global-setup.ts'],
    projects: [
      ...Object.entries(WORKSPACES).map(([name, dir]) => ({
        ...shared,
        test: {
          ...shared.test,
          name: `@cloud-backend/${name}`,
          dir,
          include: ['test/**/*.test.ts'],
        },
      })),
      {
        ...shared,
        test: { ...shared.test, name: 'repository', dir: 'test', include: ['**/*.test.ts'] },
      },
    ],
  },
});
