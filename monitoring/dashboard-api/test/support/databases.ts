import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { grantReadOnlyColumns, type ReadOnlyService } from '@cloud-backend/shared';
import {
  createTestDatabase,
  migrateTestDatabase,
  postgresAdminUrl,
  type TestDatabase,
} from '@cloud-backend/shared/testing';

const AUTH_MIGRATIONS = new URL('../../../../auth-service/migrations/', import.meta.url);
const USER_MIGRATIONS = new URL('../../../../user-service/migrations/', import.meta.url);

/**
 * auth-service's and user-service's databases, with those services' real migrations, a
 * superuser pool on each to insert rows, and a role that may only SELECT the columns the
 * owning services grant their read-only roles (shared/src/read-only-grants.ts).
 */
export interface DashboardDatabases {
  auth: TestDatabase;
  user: TestDatabase;
  /** URLs as the read-only role: what the dashboard is given. */
  readonly: { auth: string; user: string };
  /** Superuser pools for arranging rows. */
  authAdmin: pg.Pool;
  userAdmin: pg.Pool;
  drop(): Promise<void>;
}

function asRole(url: string, role: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = role;
  parsed.password = password;
  return parsed.toString();
}

async function grantReadOnly(
  url: string,
  database: string,
  service: ReadOnlyService,
  role: string,
): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const ro = pg.escapeIdentifier(role);
    await client.query(`GRANT CONNECT ON DATABASE ${pg.escapeIdentifier(database)} TO ${ro}`);
    await client.query(`GRANT USAGE ON SCHEMA public TO ${ro}`);
    // The columns the owning service grants at start-up: the dashboard's queries must work
    // with exactly these.
    await grantReadOnlyColumns(client, service, role);
  } finally {
    await client.end();
  }
}

async function run(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createDashboardDatabases(): Promise<DashboardDatabases> {
  const [auth, user] = await Promise.all([
    createTestDatabase('dash_auth'),
    createTestDatabase('dash_user'),
  ]);
  await Promise.all([
    migrateTestDatabase(auth.url, AUTH_MIGRATIONS),
    migrateTestDatabase(user.url, USER_MIGRATIONS),
  ]);
  const role = `dash_ro_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const ro = pg.escapeIdentifier(role);
  await run(auth.url, `CREATE ROLE ${ro} LOGIN PASSWORD ${pg.escapeLiteral(password)}`);
  await run(auth.url, `ALTER ROLE ${ro} SET default_transaction_read_only = on`);
  await grantReadOnly(auth.url, auth.name, 'auth-service', role);
  await grantReadOnly(user.url, user.name, 'user-service', role);
  const authAdmin = new pg.Pool({ connectionString: auth.url, max: 2 });
  const userAdmin = new pg.Pool({ connectionString: user.url, max: 2 });
  // pool.end() resolves before its connections have closed; drop() then removes the database
  // WITH (FORCE), and a connection still closing receives the server's "terminating
  // connection", which a pool without a listener would throw as an uncaught error.
  for (const pool of [authAdmin, userAdmin]) pool.on('error', () => undefined);
  return {
    auth,
    user,
    readonly: { auth: asRole(auth.url, role, password), user: asRole(user.url, role, password) },
    authAdmin,
    userAdmin,
    async drop() {
      await Promise.all([authAdmin.end(), userAdmin.end()]);
      await Promise.all([auth.drop(), user.drop()]);
      await run(postgresAdminUrl(), `DROP ROLE IF EXISTS ${ro}`);
    },
  };
}
