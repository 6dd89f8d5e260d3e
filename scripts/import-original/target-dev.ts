/**
 * The default target: make dev's embedded PostgreSQL (data in .data/, or DEV_DATA_DIR; port
 * 54320, or DEV_POSTGRES_PORT; superuser password in dev-secrets.json). If it is not running,
 * it is started the way make dev starts it (which also creates the roles and empty databases)
 * and stopped again at the end.
 */
import { mkdir } from 'node:fs/promises';
import pg from 'pg';
import { stopProcess, type ManagedProcess } from '../dev/child-processes.js';
import { registerNames } from '../dev/output.js';
import { bundleEntryPoints } from '../dev/bundles.js';
import { databaseSpecs, startPostgres } from '../dev/postgres-process.js';
import { loadOrCreateSecrets, SECRETS_FILE } from '../dev/secrets.js';
import { readSettings, SettingsError } from '../dev/settings.js';
import { ImportError } from './errors.js';
import { log } from './log.js';
import type { OriginalDatabase } from './names.js';
import { withDatabase, type Target, type TargetDatabase } from './target.js';

// make dev's database for each of the original's.
const DEV_NAME: Record<OriginalDatabase, string> = {
  auth_logs_db: 'auth',
  users_db: 'users',
  social_logs_db: 'social_logs',
};

const POSTGRES_GRACE_MS = 15_000;

type Probe = 'up' | 'down';

async function probe(adminUrl: string, where: string): Promise<Probe> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    return 'up';
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ECONNREFUSED') return 'down';
    if (code === '28P01') {
      throw new ImportError(
        `the PostgreSQL on ${where} refused the superuser password of ${SECRETS_FILE}: is it another server?`,
      );
    }
    throw new ImportError(`cannot reach the PostgreSQL on ${where}: ${(err as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function openDevTarget(env: NodeJS.ProcessEnv): Promise<Target> {
  let settings;
  try {
    settings = readSettings({ ...env, AUTH_DATABASE_URL: '', USER_DATABASE_URL: '' });
  } catch (err) {
    if (err instanceof SettingsError) throw new ImportError(err.message);
    throw err;
  }
  await mkdir(settings.dataDir, { recursive: true });
  const secrets = await loadOrCreateSecrets(settings.dataDir).catch((err: unknown) => {
    throw new ImportError((err as Error).message);
  });
  const where = `127.0.0.1:${settings.postgresPort}`;
  const adminUrl = `postgres://postgres:${encodeURIComponent(secrets.postgresPassword)}@${where}/postgres`;

  let started: ManagedProcess | undefined;
  if ((await probe(adminUrl, where)) === 'down') {
    registerNames(['postgres']);
    log(`make dev's PostgreSQL is not running; starting it on ${where} for the import`);
    await bundleEntryPoints(['postgres']).catch((err: unknown) => {
      throw new ImportError((err as Error).message);
    });
    const postgres = startPostgres(settings, secrets);
    started = postgres.process;
    try {
      await postgres.ready;
    } catch (err) {
      await stopProcess(started, POSTGRES_GRACE_MS);
      throw new ImportError((err as Error).message);
    }
  }

  const specs = databaseSpecs(secrets);
  const databases = {} as Record<OriginalDatabase, TargetDatabase>;
  for (const original of Object.keys(DEV_NAME) as OriginalDatabase[]) {
    const spec = specs.find((s) => s.database === DEV_NAME[original]);
    if (!spec) throw new Error(`make dev provisions no database ${DEV_NAME[original]}`);
    databases[original] = {
      original,
      name: spec.database,
      owner: spec.owner.role,
      ...(spec.readonly ? { readonly: spec.readonly.role } : {}),
    };
  }

  return {
    description: `make dev's PostgreSQL (${where}, data in ${settings.dataDir})`,
    databases,
    adminUrl: (_original, database) => withDatabase(adminUrl, database),
    reportDir: settings.dataDir,
    stopHint: 'stop make dev (Ctrl-C) first',
    async close() {
      if (started) {
        log('stopping the PostgreSQL the import started');
        await stopProcess(started, POSTGRES_GRACE_MS);
      }
    },
  };
}
