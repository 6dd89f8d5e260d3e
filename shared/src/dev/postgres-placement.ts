import { createHash } from 'node:crypto';
import {
  chmod,
  chown,
  cp,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readlink,
  rename,
  rm,
  rmdir,
  symlink,
} from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { binariesAt, type PostgresBinaries } from './postgres-binaries.js';
import { firstClosedFolder, userCan, type ServerUser } from './postgres-user.js';
import { PostgresStartError } from './postgres-start-error.js';

/**
 * Where PostgreSQL's files go when the user it runs as (`postgres`, because we are root) cannot
 * reach them where they are: a clone under /root (mode 700) is the usual case. Both folders are
 * root's, readable by everyone; only the data folders inside are the server user's.
 */
export const BINARY_CACHE = '/var/cache/cloud-backend';
export const DATA_HOME = '/var/lib/cloud-backend';

export interface Placement {
  binaries: PostgresBinaries;
  /** The data folder the server is given. */
  dataDir: string;
  /** True when dataDir is a folder made here for a server whose data is not kept. */
  temporary: boolean;
  /** One line saying what was placed where and why; absent when nothing had to move. */
  notice?: string;
}

export interface PlacementRequest {
  user: ServerUser;
  installed: PostgresBinaries;
  /** The data folder the caller asked for. */
  dataDir: string;
  persistent: boolean;
}

/** Whether the user can run the binaries from where they are. */
function canRun(user: ServerUser, binaries: PostgresBinaries): boolean {
  return (
    userCan(user, 'x', binaries.initdb) &&
    userCan(user, 'x', binaries.postgres) &&
    userCan(user, 'x', join(binaries.root, 'lib')) &&
    userCan(user, 'x', join(binaries.root, 'share'))
  );
}

/** Everything under folder readable by everyone, and runnable where it is runnable at all. */
async function openToEveryone(folder: string): Promise<void> {
  await chmod(folder, 0o755);
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) await openToEveryone(path);
    else if (entry.isFile()) {
      const { mode } = await lstat(path);
      await chmod(path, (mode & 0o777) | 0o444 | (mode & 0o100 ? 0o111 : 0));
    }
  }
}

/** A folder of root's that everyone can enter, made when missing. */
async function openFolder(user: ServerUser, folder: string): Promise<void> {
  if (!existsSync(folder)) {
    await mkdir(folder, { recursive: true });
    await chmod(folder, 0o755);
  }
  if (!userCan(user, 'x', folder)) {
    const closed = firstClosedFolder(user, folder) ?? folder;
    throw new PostgresStartError(
      `the user "${user.name}" cannot enter ${closed}, where PostgreSQL's files are placed ` +
        `when it cannot reach them in the clone; allow it (chmod o+x ${closed})`,
    );
  }
}

/**
 * A copy of the binaries in BINARY_CACHE, one folder per build, made once and shared by every
 * clone. Copied aside and renamed into place, so a half-made copy is never used, and two
 * processes copying at once both end up with the one that was renamed first.
 */
async function cachedCopy(
  user: ServerUser,
  installed: PostgresBinaries,
): Promise<PostgresBinaries> {
  const copy = binariesAt(join(BINARY_CACHE, `postgresql-${installed.build}`), installed.build);
  if (existsSync(copy.postgres) && canRun(user, copy)) return copy;
  await openFolder(user, BINARY_CACHE);
  // An unusable copy (made by hand, or its modes changed since) is replaced.
  if (existsSync(copy.root)) await rm(copy.root, { recursive: true, force: true });
  const aside = await mkdtemp(join(BINARY_CACHE, '.copying-'));
  try {
    // verbatimSymlinks: lib/ holds relative links (libpq.so.5 -> libpq.so.5.15) to keep as they are.
    await cp(installed.root, aside, { recursive: true, verbatimSymlinks: true });
    await openToEveryone(aside);
    await rename(aside, copy.root).catch((err: unknown) => {
      // Another process renamed its copy into place first: that one is used.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    });
  } finally {
    await rm(aside, { recursive: true, force: true });
  }
  if (!canRun(user, copy)) {
    throw new PostgresStartError(
      `the user "${user.name}" cannot run the copy of PostgreSQL in ${copy.root}`,
    );
  }
  return copy;
}

/** A new folder owned by the server user, as initdb wants its data folder (mode 700). */
async function ownFolder(user: ServerUser, folder: string): Promise<void> {
  await mkdir(folder, { recursive: true, mode: 0o700 });
  await chown(folder, user.uid, user.gid);
}

interface DataPlace {
  dataDir: string;
  temporary: boolean;
  /** Set when the data is not where it was asked for: "kept in …". */
  moved?: string;
  closed?: string;
}

async function placeData(request: PlacementRequest): Promise<DataPlace> {
  const { user, dataDir: requested, persistent } = request;
  const info = await lstat(requested).catch(() => undefined);
  // A link left by an earlier run: the data lives where it points.
  if (info?.isSymbolicLink()) {
    const target = resolve(dirname(requested), await readlink(requested));
    if (!existsSync(target)) await ownFolder(user, target);
    const moved = `${target} (${requested} points there)`;
    return {
      dataDir: target,
      temporary: false,
      moved,
      closed: firstClosedFolder(user, dirname(requested)),
    };
  }
  const closed = firstClosedFolder(user, dirname(requested));
  if (closed === undefined) return { dataDir: requested, temporary: false };

  if (existsSync(join(requested, 'PG_VERSION'))) {
    throw new PostgresStartError(
      `the user "${user.name}" that PostgreSQL runs as cannot enter ${closed}, so it cannot ` +
        `reach its data in ${requested}; allow it (chmod o+x ${closed}) or move that folder`,
    );
  }
  // An empty folder in its place (a temporary folder the caller made, an earlier failed
  // start) gives way; anything else there is not ours to remove.
  if (info) {
    await rmdir(requested).catch(() => {
      throw new PostgresStartError(
        `${requested} is neither empty nor a PostgreSQL data folder; move it away and try again`,
      );
    });
  }
  await openFolder(user, DATA_HOME);
  if (!persistent) {
    const folder = await mkdtemp(join(DATA_HOME, 'temporary-'));
    await chown(folder, user.uid, user.gid);
    return { dataDir: folder, temporary: true, moved: folder, closed };
  }
  // Named after the requested path, so the same clone finds the same folder; but the link is
  // what says the data is still wanted. A folder without one is what is left after the link
  // went (make clean WIPE_DATA=1 removes .data/): its data is forgotten, as it would be there.
  const name = `data-${createHash('sha256').update(requested).digest('hex').slice(0, 12)}`;
  const target = join(DATA_HOME, name);
  await rm(target, { recursive: true, force: true });
  await ownFolder(user, target);
  await mkdir(dirname(requested), { recursive: true });
  await symlink(target, requested);
  return {
    dataDir: target,
    temporary: false,
    moved: `${target} (${requested} points there)`,
    closed,
  };
}

/**
 * Decides, for a server that runs as user (we are root), where its binaries and its data go:
 * where they are when the user can reach them, else a copy of the binaries in BINARY_CACHE and
 * the data in DATA_HOME. Says so in one line (notice) whenever anything moved.
 */
export async function placeServerFiles(request: PlacementRequest): Promise<Placement> {
  const { user, installed } = request;
  let binaries = installed;
  // Why the user cannot reach them: a folder on the way it cannot enter (/root), or else the
  // binaries' own modes (an install made under umask 077).
  const reasons: string[] = [];
  if (!canRun(user, installed)) {
    const closed = firstClosedFolder(user, dirname(installed.postgres));
    reasons.push(closed ? `cannot enter ${closed}` : `cannot run ${installed.postgres}`);
    binaries = await cachedCopy(user, installed);
  }
  const data = await placeData(request);
  if (data.closed) reasons.push(`cannot enter ${data.closed}`);

  const done: string[] = [];
  if (binaries !== installed) done.push(`runs a copy of its binaries in ${binaries.root}`);
  if (data.moved) done.push(`keeps its data in ${data.moved}`);
  if (done.length === 0) return { binaries, dataDir: data.dataDir, temporary: false };
  const why = reasons.length ? `, who ${[...new Set(reasons)].join(' and ')},` : '';
  return {
    binaries,
    dataDir: data.dataDir,
    temporary: data.temporary,
    notice: `PostgreSQL runs as the user "${user.name}"${why} so it ${done.join(' and ')}`,
  };
}
