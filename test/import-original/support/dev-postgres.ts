/**
 * make dev's PostgreSQL on a test's data folder, started by the test to look at what an import
 * did, or to be the running server an import finds.
 *
 * It is the server make dev runs (the same binaries, data folder, port, superuser password,
 * roles and databases), run from the test's own process: make dev wraps it in a process of its
 * own (scripts/dev/postgres.ts, bundled), which takes the start request, writes the server's log
 * and relays signals, for about a second of CPU per start. The imports under test
 * still start that wrapper themselves when they find no server running. What the test starts
 * keeps nothing after the test, so, like the test run's own server, it runs without flushing to
 * disk, and its data folder goes when it stops.
 */
import {
  provisionDatabases,
  startEmbeddedPostgres,
  type RunningPostgres,
} from '@cloud-backend/shared/dev';
import { databaseSpecs } from '../../../scripts/dev/postgres-process.js';
import { loadOrCreateSecrets } from '../../../scripts/dev/secrets.js';
import { dataPath, readSettings } from '../../../scripts/dev/settings.js';

export async function startDevPostgres(env: {
  DEV_DATA_DIR: string;
  DEV_POSTGRES_PORT: string;
}): Promise<RunningPostgres> {
  const settings = readSettings(env);
  const secrets = await loadOrCreateSecrets(settings.dataDir);
  const server = await startEmbeddedPostgres({
    dataDir: dataPath(settings, 'postgres'),
    port: settings.postgresPort,
    password: secrets.postgresPassword,
    persistent: false,
  });
  try {
    await provisionDatabases(server.adminUrl, databaseSpecs(secrets));
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}
