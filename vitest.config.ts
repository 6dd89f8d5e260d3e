import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

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

// Test files that take tens of seconds (they start make dev, Chromium, or many processes one
// after another). A fresh clone has no durations from an earlier run; these start first so that
// the run does not end waiting on one of them.
const SLOW = new Set([
  'test/import-original/import.test.ts',
  'auth-service/test/upgrade.test.ts',
  'test/services-start.test.ts',
  'frontend/test/browser.test.ts',
  'test/dev.test.ts',
  'test/private-clone.test.ts',
  'user-service/test/legacy-schema-commands.test.ts',
  'test/ops/backup.test.ts',
  'auth-service/test/admin-bootstrap.test.ts',
]);

// A file of at least this many milliseconds in the last run starts before the others.
const SLOW_MS = 20_000;

/**
 * Failed files first, then the slow ones, longest first: the duration of the last run where
 * Vitest remembers one, else SLOW. The default order runs project after project, which would
 * leave the slow files of the last project (repository) for the end. The other files follow
 * project by project: a worker of a project that runs without isolation (REUSED below) goes
 * on with the next file only when that file is of the same project, else a new one starts.
 */
class LongestFirst extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { cache, config } = this.ctx;
    const keyed = files.map((spec) => {
      const path = relative(config.root, spec.moduleId);
      const key = `${spec.project.name}:${path}`;
      const last = cache.getFileTestResults(key);
      return {
        spec,
        failed: last?.failed === true ? 1 : 0,
        duration: last?.duration ?? (SLOW.has(path) ? 60_000 : 0),
        size: cache.getFileStats(key)?.size ?? 0,
      };
    });
    const slow = (file: (typeof keyed)[number]) => (file.duration >= SLOW_MS ? file.duration : 0);
    keyed.sort(
      (a, b) =>
        b.failed - a.failed ||
        slow(b) - slow(a) ||
        a.spec.project.name.localeCompare(b.spec.project.name) ||
        b.duration - a.duration ||
        b.size - a.size,
    );
    return Promise.resolve(keyed.map(({ spec }) => spec));
  }
}

// Projects whose test files build their apps in the worker's process, one file after another in
// one module graph (Vitest's isolate: false) instead of a new process and graph per file:
// Fastify, pg, TypeBox and the service's modules load once per worker rather than once per
// file, which took about 40% of these files' CPU. Each file still builds its own apps on its
// own databases, spies are restored, and the metrics registry is the process's in either case.
// The repository's tests (below) run that way too; the web app's keep a fresh process per file.
const REUSED = new Set([
  'shared',
  'gateway',
  'auth-service',
  'user-service',
  'social-log-service',
  'dashboard-api',
]);

// One PostgreSQL for the whole run (global setup), one project per workspace, plus the
// repository's own tests (make dev and friends) under test/.
export default defineConfig({
  test: {
    globalSetup: ['./shared/src/testing/global-setup.ts'],
    // Most test files spend their time waiting on PostgreSQL, servers and child processes, so
    // one file more than there are cores runs at once, up to 8 (Vitest's default is one fewer
    // than the cores: a single file at a time on two). Each worker loads the modules of the
    // projects it runs once (isolate: false): on two cores three workers took less CPU than four
    // and make test ended sooner (docs/PERFORMANCE.md#test-run).
    maxWorkers: Math.min(availableParallelism() + 1, 8),
    sequence: { sequencer: LongestFirst },
    projects: [
      ...Object.entries(WORKSPACES).map(([name, dir]) => ({
        ...shared,
        test: {
          ...shared.test,
          name: `@cloud-backend/${name}`,
          isolate: !REUSED.has(name),
          dir,
          include: ['test/**/*.test.ts'],
        },
      })),
      {
        ...shared,
        test: {
          ...shared.test,
          name: 'repository',
          isolate: false,
          dir: 'test',
          include: ['**/*.test.ts'],
        },
      },
    ],
  },
});
