import { defineConfig } from 'vitest/config';

// `make test-faults`: fault injection (test/faults/*.e2e.ts) and fuzzing through the gateway
// (test/fuzz/*.e2e.ts). Not part of `make test` (the root config only picks up *.test.ts):
// these run real processes for minutes. `.ci/run` runs them after `make test`.
const SOURCE = ['@cloud-backend/source'];

export default defineConfig({
  resolve: { conditions: SOURCE },
  ssr: { resolve: { conditions: SOURCE } },
  test: {
    name: 'faults',
    root: new URL('../../', import.meta.url).pathname,
    include: ['test/faults/**/*.e2e.ts', 'test/fuzz/**/*.e2e.ts'],
    globalSetup: ['./shared/src/testing/global-setup.ts'],
    testTimeout: 10 * 60_000,
    hookTimeout: 5 * 60_000,
    // Faults stop and start shared processes: one file at a time, output as it comes.
    fileParallelism: false,
  },
});
