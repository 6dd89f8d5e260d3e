import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const SOURCE = ['@cloud-backend/source'];
// The workspaces whose tests run together in one project (below): every one with a test/ folder.
const WORKSPACES = (
  JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
    workspaces: string[];
  }
).workspaces.filter((dir) => existsSync(new URL(`./${dir}/test`, import.meta.url)));

// Settings every project repeats; projects do not extend the root config, so that the global
// setup below runs once for the whole run rather than once per project.
const shared = {
  resolve: { conditions: SOURCE },
  ssr: { resolve: { conditions: SOURCE } },
  test: { testTimeout: 30_000, hookTimeout: 60_000 },
};

// Test files that take tens of seconds (they start make dev, Chromium, or many processes one
// after another), with about how many each took in a run on two cores. A fresh clone has no
// durations from an earlier run; with these the longest start first, so that the run does not
// end waiting on one of them. Stale figures only change the order.
const EXPECTED_SECONDS: Record<string, number> = {
  'test/import-original/import.test.ts': 84,
  'frontend/test/browser.test.ts': 65,
  'auth-service/test/upgrade.test.ts': 61,
  'test/dev.test.ts': 43,
  'test/switch-over/original-variants.test.ts': 38,
  'test/switch-over/original-stack.test.ts': 37,
  'test/ops/backup.test.ts': 35,
  'gateway/test/signing-keys.test.ts': 23,
  'test/services-start.test.ts': 23,
  'gateway/test/openapi.test.ts': 22,
  'test/import-original/scenarios.test.ts': 21,
  'auth-service/test/admin-bootstrap.test.ts': 19,
  'monitoring/dashboard-api/test/integration.test.ts': 15,
  'test/private-clone.test.ts': 15,
  'user-service/test/legacy-schema-commands.test.ts': 11,
};

// A file of at least this many milliseconds in the last run starts before the others.
const SLOW_MS = 20_000;

/**
 * Failed files first, then the slow ones, longest first (the duration of the last run where
 * Vitest remembers one, else EXPECTED_SECONDS), then the rest. A worker that runs without
 * isolation goes on with the next file in the queue only when that file is of its project,
 * else it stops and a new one starts later: so the files with a process of their own go first
 * when slow and last otherwise, and the shared workers last the run.
 */
class LongestFirst extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { cache, config } = this.ctx;
    const keyed = files.map((spec) => {
      const path = relative(config.root, spec.moduleId);
      const key = `${spec.project.name}:${path}`;
      const last = cache.getFileTestResults(key);
      const duration = last?.duration ?? (EXPECTED_SECONDS[path] ?? 0) * 1000;
      const isolated = spec.project.config.isolate;
      const slow = duration >= SLOW_MS;
      return {
        spec,
        failed: last?.failed === true ? 1 : 0,
        rank: slow ? (isolated ? 0 : 1) : isolated ? 3 : 2,
        duration,
        size: cache.getFileStats(key)?.size ?? 0,
      };
    });
    keyed.sort(
      (a, b) =>
        b.failed - a.failed || a.rank - b.rank || b.duration - a.duration || b.size - a.size,
    );
    return Promise.resolve(keyed.map(({ spec }) => spec));
  }
}

// Files that need a process of their own. Tracing (shared/src/tracing.ts) instruments Fastify,
// pg and http when it starts, which works only for modules loaded after that, as in a service's
// main; and the process has one tracer provider. dashboard-api's integration test has Prometheus
// scrape services whose /metrics show the whole process's registry, which in a shared worker
// holds the metrics of every service an earlier file built.
const OWN_PROCESS = [
  'gateway/test/tracing.test.ts',
  'test/ops/observability.test.ts',
  'monitoring/dashboard-api/test/integration.test.ts',
];

// Every workspace's test files, the web app's included, and the repository's own (test/: make
// dev, the switch-over, operations), run in one project without per-file isolation (Vitest's isolate:
// false): a worker goes on from one file to the next in one module graph instead of a new
// process and graph per file, so Fastify, pg, TypeBox and the services' modules load once per
// worker, not once per file. Vitest keeps a worker only for a next file of the same project:
// as one project per workspace, a run started 38 workers; as one, 13, and fewer once the web
// app's files joined (docs/PERFORMANCE.md#test-run). Each file still builds its own apps on its
// own databases, spies are restored, and the metrics registry is the process's in either case.
// OWN_PROCESS above keeps a fresh process per file. One PostgreSQL serves the whole
// run (global setup).
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
      {
        ...shared,
        test: {
          ...shared.test,
          name: 'shared workers',
          isolate: false,
          include: [...WORKSPACES.map((dir) => `${dir}/test/**/*.test.ts`), 'test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...OWN_PROCESS],
        },
      },
      {
        ...shared,
        test: { ...shared.test, name: 'own process', include: OWN_PROCESS },
      },
    ],
  },
});
