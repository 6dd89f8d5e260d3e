import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, startEmbeddedPostgres } from '@cloud-backend/shared/dev';

export interface BenchDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * A scratch database for a benchmark: on BENCH_DATABASE_URL's server (a superuser URL) when
 * set, else on a throwaway embedded PostgreSQL.
 */
export async function benchDatabase(name: string): Promise<BenchDatabase> {
  let adminUrl = process.env.BENCH_DATABASE_URL;
  let stopServer = async () => undefined;
  if (!adminUrl) {
    const dataDir = await mkdtemp(join(tmpdir(), 'cloud-backend-bench-pg-'));
    const server = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      password: randomBytes(12).toString('hex'),
      persistent: false,
    });
    adminUrl = server.adminUrl;
    stopServer = async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    };
  }
  const database = `${name}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return {
    url: url.toString(),
    async stop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
      await client.end();
      await stopServer();
    },
  };
}
