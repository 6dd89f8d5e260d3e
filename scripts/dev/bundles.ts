/**
 * make dev runs its services and its PostgreSQL process from bundles that esbuild makes of their
 * TypeScript entry points at every start (shared/src/dev/bundle-entry.js: our modules in, every
 * package imported from where the sources import it, `import.meta.url` still naming each source
 * file), rather than through tsx. Loading tsx's hooks and compiling every module through them
 * took each service about 2 s more CPU to start, and the five start at once on the same cores;
 * with the bundling included, every /health answers about 3 s sooner (README). A change to a
 * source is in the next start as before. Stack traces still name the sources
 * (--enable-source-maps).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { REPO_ROOT, SERVICES, type ServiceName } from './settings.js';

const BUNDLER = join(REPO_ROOT, 'shared', 'src', 'dev', 'bundle-entry.js');
// Inside node_modules, as the test run's bundles: a package that looks things up from the file
// that called it (pino finds its transports so) resolves them as from the sources.
const FOLDER = join(REPO_ROOT, 'node_modules', '.cache', 'cloud-backend-dev');

export type BundleName = ServiceName | 'postgres' | 'exit-with-parent';

const SOURCES: Record<BundleName, string> = {
  postgres: fileURLToPath(new URL('./postgres.ts', import.meta.url)),
  'exit-with-parent': fileURLToPath(new URL('./exit-with-parent.ts', import.meta.url)),
  ...(Object.fromEntries(
    SERVICES.map((service) => [service.name, join(REPO_ROOT, service.dir, 'src', 'server.ts')]),
  ) as Record<ServiceName, string>),
};

/** Where the bundle of `name` is once bundleEntryPoints() has made it. */
export function bundlePath(name: BundleName): string {
  return join(FOLDER, `${name}.mjs`);
}

/**
 * Bundles the entry points named (by default every one make dev starts). A source that does not
 * build stops make dev here, with esbuild's file, line and message in one line, before anything
 * has started.
 */
export async function bundleEntryPoints(
  names: readonly BundleName[] = Object.keys(SOURCES) as BundleName[],
): Promise<void> {
  const pairs = names.flatMap((name) => [SOURCES[name], bundlePath(name)]);
  try {
    await promisify(execFile)(process.execPath, [BUNDLER, ...pairs], { cwd: REPO_ROOT });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    const reason = stderr
      .replace(/^bundle-entry: /, '')
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .join(' ');
    throw new Error(`the services could not be built: ${reason || String(err)}`);
  }
}
