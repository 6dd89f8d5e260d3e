import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './settings.js';

const FRONTEND = join(REPO_ROOT, 'frontend');
// Everything a build reads: the app's files, and the lockfile for the versions of Vite and the
// packages it bundles. (Tests, README and scripts/ of frontend/ do not go into the build.)
const INPUT_FOLDERS = ['src', 'public'].map((folder) => join(FRONTEND, folder));
const INPUT_FILES = [
  ...['index.html', 'package.json', 'vite.config.ts'].map((file) => join(FRONTEND, file)),
  join(REPO_ROOT, 'package-lock.json'),
];
// Written into the build folder after a build: the inputs' hash, read at the next start.
const STAMP = '.make-dev-inputs';

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** A hash of every input's path and content (a few hundred kB: milliseconds). */
async function inputsHash(): Promise<string> {
  const listed = (await Promise.all(INPUT_FOLDERS.map(filesUnder))).flat();
  const files = [...listed, ...INPUT_FILES].sort();
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(`${relative(REPO_ROOT, file)}\n`);
    hash.update(await readFile(file).catch(() => Buffer.from('(missing)')));
  }
  return hash.digest('hex');
}

async function builtFrom(outDir: string): Promise<string | undefined> {
  if (!existsSync(join(outDir, 'index.html'))) return undefined;
  return readFile(join(outDir, STAMP), 'utf8').catch(() => undefined);
}

/**
 * Builds the web app into outDir (about a second of CPU), which the gateway serves at `/`:
 * frontend/dist, or DEV_FRONTEND_DIR (the tests give each stack a folder of its own, so that two
 * stacks never write one dist/ at once, and the browser test serves the very build make dev
 * made; the browser test builds with this function too and serves that). A build whose inputs have not changed since the last one is kept: restarting make dev
 * then costs no build. Resolves with 'built' or 'unchanged', or with an error message instead
 * of throwing, so a broken build does not keep the API from starting.
 */
export async function buildFrontend(
  outDir: string,
  onBuilding: () => void,
): Promise<{ outcome: 'built' | 'unchanged' } | { problem: string }> {
  const inputs = await inputsHash();
  if ((await builtFrom(outDir)) === inputs) return { outcome: 'unchanged' };
  onBuilding();
  const require = createRequire(join(FRONTEND, 'package.json'));
  const vite = join(require.resolve('vite/package.json'), '..', 'bin', 'vite.js');
  const child = spawn(
    process.execPath,
    // emptyOutDir: vite leaves a folder outside frontend/ as it is unless told.
    [vite, 'build', '--logLevel', 'warn', '--outDir', outDir, '--emptyOutDir'],
    { cwd: FRONTEND, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) return { problem: `the frontend build failed (exit ${String(code)})` };
  await writeFile(join(outDir, STAMP), inputs);
  return { outcome: 'built' };
}
