import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from './settings.js';

/**
 * Builds the web app into outDir (about a second), which the gateway serves at `/`: frontend/dist,
 * or DEV_FRONTEND_DIR (the tests give each stack a folder of its own, so that two stacks never
 * write one dist/ at once; the browser test builds with this function too and serves that).
 * Resolves with an error message instead of throwing, so a broken build does not keep the
 * API from starting.
 */
export async function buildFrontend(outDir: string): Promise<string | undefined> {
  const require = createRequire(join(REPO_ROOT, 'frontend', 'package.json'));
  const vite = join(require.resolve('vite/package.json'), '..', 'bin', 'vite.js');
  const child = spawn(
    process.execPath,
    // emptyOutDir: vite leaves a folder outside frontend/ as it is unless told.
    [vite, 'build', '--logLevel', 'warn', '--outDir', outDir, '--emptyOutDir'],
    { cwd: join(REPO_ROOT, 'frontend'), stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const [code] = (await once(child, 'exit')) as [number | null];
  return code === 0 ? undefined : `the frontend build failed (exit ${String(code)})`;
}
