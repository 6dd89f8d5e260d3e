import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from './settings.js';

export const FRONTEND_DIST = join(REPO_ROOT, 'frontend', 'dist');

/**
 * Builds the web app into frontend/dist (about a second), which the gateway serves at `/`.
 * Resolves with an error message instead of throwing, so a broken build does not keep the
 * API from starting.
 */
export async function buildFrontend(): Promise<string | undefined> {
  const require = createRequire(join(REPO_ROOT, 'frontend', 'package.json'));
  const vite = join(require.resolve('vite/package.json'), '..', 'bin', 'vite.js');
  const child = spawn(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: join(REPO_ROOT, 'frontend'),
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return code === 0 ? undefined : `the frontend build failed (exit ${String(code)})`;
}
