import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, parse } from 'node:path';
import { PostgresStartError } from './postgres-start-error.js';

/** The unprivileged user PostgreSQL runs as when we are root (it refuses to run as root). */
export interface ServerUser {
  name: string;
  uid: number;
  gid: number;
}

export const SERVER_USER_NAME = 'postgres';

/** True when this process is root, so the server must run as another user. */
export const runningAsRoot = (): boolean => process.getuid?.() === 0;

function lookUp(name: string): ServerUser | undefined {
  try {
    const id = (flag: string) =>
      Number(execFileSync('id', [flag, name], { encoding: 'utf8', stdio: 'pipe' }).trim());
    return { name, uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

function groupExists(name: string): boolean {
  return spawnSync('getent', ['group', name], { stdio: 'ignore' }).status === 0;
}

/**
 * The user `postgres`, created (a system user without a home or a shell) when it does not
 * exist yet. Throws one line saying what to do when it cannot be created.
 */
export function serverUser(): ServerUser {
  const existing = lookUp(SERVER_USER_NAME);
  if (existing) return existing;
  const group = groupExists(SERVER_USER_NAME) ? ['--gid', SERVER_USER_NAME] : ['--user-group'];
  const created = spawnSync(
    'useradd',
    ['--system', ...group, '--no-create-home', '--shell', '/usr/sbin/nologin', SERVER_USER_NAME],
    { encoding: 'utf8', stdio: 'pipe' },
  );
  // Another process may have created it at the same moment: what counts is that it exists.
  const user = lookUp(SERVER_USER_NAME);
  if (user) return user;
  const notInstalled =
    created.error !== undefined && 'code' in created.error
      ? created.error.code === 'ENOENT'
      : false;
  const why = notInstalled
    ? 'useradd is not installed'
    : (created.stderr.trim().split('\n')[0] ?? '').replace(/^useradd: /, '') ||
      `useradd ended with ${String(created.status)}`;
  throw new PostgresStartError(
    `PostgreSQL refuses to run as root and the user "${SERVER_USER_NAME}" to run it as could ` +
      `not be created (${why}); create it (useradd --system --user-group ` +
      `${SERVER_USER_NAME}) or run this as a user other than root`,
  );
}

/**
 * Whether the user can test `-x` (enter or run), `-r` or `-w` the path. Asked of `test` run as
 * that user, exactly as the server will be started: same uid and gid, no supplementary groups
 * (Node drops them when it switches user), ACLs included.
 */
export function userCan(user: ServerUser, test: 'x' | 'r' | 'w', path: string): boolean {
  const result = spawnSync('test', [`-${test}`, path], {
    uid: user.uid,
    gid: user.gid,
    cwd: '/',
    stdio: 'ignore',
  });
  return result.status === 0;
}

/** The first folder from the top down to folder (itself included) that the user cannot enter. */
export function firstClosedFolder(user: ServerUser, folder: string): string | undefined {
  const path: string[] = [];
  for (let at = folder; at !== parse(at).root; at = dirname(at)) path.unshift(at);
  return path.find((at) => !userCan(user, 'x', at));
}
