import { defineConfig } from 'vitest/config';

// `make test-replicas`: the services as several real replicas each behind nginx, with Redis and
// Prometheus (test/replicas/*.e2e.ts). Not part of `make test` (the root config only picks up
// *.test.ts): a dozen real processes for a few minutes. `.ci/run` runs it after test-faults.
const SOURCE = ['@cloud-backend/source'];

export default defineConfig({
  resolve: { conditions: SOURCE },
  ssr: { resolve: { conditions: SOURCE } },
  test: {
    name: 'replicas',
    root: new URL('../../', import.meta.url).pathname,
    include: ['test/replicas/**/*.e2e.ts'],
    globalSetup: ['./shared/src/testing/global-setup.ts'],
    testTimeout: 10 * 60_000,
    hookTimeout: 5 * 60_000,
    fileParallelism: false,
  },
});
