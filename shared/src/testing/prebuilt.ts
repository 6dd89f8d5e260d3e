/**
 * Test runs start real processes from TypeScript entry points (services, their commands, make
 * import-original) dozens of times. Through tsx each start costs over 1 s of CPU more than the
 * same code as plain JavaScript: tsx's loader hooks and compiler are loaded, and every
 * module's resolution and loading goes through them. So a Vitest run bundles each entry point
 * the first time a test starts it (../dev/bundle-entry.js: our modules in, packages imported from
 * where the sources would import them) and starts `node <bundle>` from then on: the same entry point,
 * the same environment, the same arguments, less than half the CPU.
 *
 * The global setup (global-setup.ts) makes a folder for the run's bundles and names it in
 * CLOUD_BACKEND_TEST_BUILD, which the test files' processes inherit; outside a Vitest run (no such
 * folder) entry points run through tsx. Tests about `make dev` itself (test/dev.test.ts) start it
 * as a developer does, through tsx; it bundles its services and PostgreSQL process itself.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const TEST_BUILD_VARIABLE = 'CLOUD_BACKEND_TEST_BUILD';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BUNDLER = fileURLToPath(new URL('../dev/bundle-entry.js', import.meta.url));
// Inside the repository's node_modules: what a package looks up from the file that called it
// (pino finds its transports so) then resolves to the same packages as from the sources.
const BUILDS = join(REPO_ROOT, 'node_modules', '.cache', 'cloud-backend-test-build');
const SOURCE_CONDITION = '--conditions=@cloud-backend/source';

// Entry points many test files start, bundled together by the global setup (one esbuild run,
// before any test's timeout runs); any other is bundled when a test first starts it.
const COMMON_ENTRIES = [
  'gateway/src/server.ts',
  'auth-service/src/server.ts',
  'auth-service/src/create-admin.ts',
  'user-service/src/server.ts',
  'user-service/src/legacy/drop-legacy-command.ts',
  'social-log-service/src/server.ts',
  'monitoring/dashboard-api/src/server.ts',
  'shared/src/migrate-command.ts',
  'scripts/import-original.ts',
  'scripts/drop-legacy.ts',
].map((entry) => join(REPO_ROOT, entry));

/**
 * Node's arguments to run `entry` (relative to `cwd`, or absolute): its bundle in a test run
 * that has a build folder, else the TypeScript source through tsx.
 */
export function entryArguments(entry: string, cwd = process.cwd()): string[] {
  const folder = process.env[TEST_BUILD_VARIABLE];
  if (!folder) return [SOURCE_CONDITION, '--import', 'tsx', entry];
  // Without V8's optimising compiler: a process a test starts lives seconds and serves a few
  // requests, too few for optimised code to pay for compiling it (about a fifth of a service's
  // start-up CPU; the same code runs either way).
  return [SOURCE_CONDITION, '--no-opt', bundled(resolve(cwd, entry), folder)];
}

/** Where the bundle of the source file `source` goes in `folder`. */
function bundlePath(source: string, folder: string): string {
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 12);
  return join(folder, `${basename(source).replace(/\.[cm]?ts$/, '')}-${hash}.mjs`);
}

function bundlerArguments(sources: string[], folder: string): string[] {
  return [BUNDLER, ...sources.flatMap((source) => [source, bundlePath(source, folder)])];
}

function bundleError(sources: string[], err: unknown): Error {
  const stderr = (err as { stderr?: string }).stderr?.trim();
  return new Error(
    `cannot bundle ${sources.join(', ')} for the test run: ${stderr || String(err)}`,
  );
}

/** The bundle of `source` in `folder`, made on first use (by whichever test file asks first). */
function bundled(source: string, folder: string): string {
  const out = bundlePath(source, folder);
  if (existsSync(out)) return out;
  try {
    execFileSync(process.execPath, bundlerArguments([source], folder), {
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    });
  } catch (err) {
    throw bundleError([source], err);
  }
  return out;
}

/**
 * For the global setup: a fresh folder for this run's bundles, named in the environment the test
 * files inherit (a run inside another, as a test of `make test` in a clone, gets its own);
 * returns what removes it. Folders of runs that ended without removing theirs (killed) are
 * removed after a day.
 */
export async function startTestBuild(): Promise<() => Promise<void>> {
  await mkdir(BUILDS, { recursive: true });
  const dayAgo = Date.now() - 24 * 60 * 60 * 1000;
  for (const name of await readdir(BUILDS)) {
    const path = join(BUILDS, name);
    const { mtimeMs } = await stat(path).catch(() => ({ mtimeMs: Date.now() }));
    if (mtimeMs < dayAgo) await rm(path, { recursive: true, force: true });
  }
  const folder = await mkdtemp(join(BUILDS, 'run-'));
  // A source that does not build (a change under way) fails only the tests that start it, as
  // through tsx: their own bundling says why.
  await promisify(execFile)(process.execPath, bundlerArguments(COMMON_ENTRIES, folder)).catch(
    () => undefined,
  );
  process.env[TEST_BUILD_VARIABLE] = folder;
  return () => rm(folder, { recursive: true, force: true });
}
