import { defineConfig } from 'vitest/config';

// `make test-compose`: the end-to-end test of the Docker stack (test/ops/compose.e2e.ts). It is
// not part of `make test` (the root config's projects only pick up *.test.ts): it needs a
// Docker engine and takes minutes. `.ci/run` runs it after `make test` where Docker is there.
const SOURCE = ['@cloud-backend/source'];

export default defineConfig({
  resolve: { conditions: SOURCE },
  ssr: { resolve: { conditions: SOURCE } },
  test: {
    name: 'compose',
    root: new URL('../../', import.meta.url).pathname,
    include: [
      'test/ops/compose-config.e2e.ts',
      'test/ops/compose.e2e.ts',
      'test/ops/import-original.e2e.ts',
      'test/ops/deploy.e2e.ts',
    ],
    testTimeout: 10 * 60_000,
    hookTimeout: 30 * 60_000,
    // One stack at a time, and its output as it comes.
    fileParallelism: false,
  },
});
