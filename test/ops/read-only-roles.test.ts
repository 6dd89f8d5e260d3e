import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantReadOnlyColumns, type ReadOnlyService } from '@cloud-backend/shared';
import { provisionDatabases } from '@cloud-backend/shared/dev';
import { migrateTestDatabase, postgresAdminUrl } from '@cloud-backend/shared/testing';
import { findAuthUser, findAuthUsers } from '../../user-service/src/repositories/auth-users.js';
import {
  FAILED_LOGIN_ACTIONS,
  LOGINS_BY_HOUR_OF_DAY,
  SECURITY_COUNTS,
} from '../../monitoring/dashboard-api/src/queries/auth-db.js';
import {
  ATTENDANCE_COUNTS,
  MOST_ACTIVE_USERS,
  PEAK_CHECK_IN_HOURS,
  SCANS_PER_HOUR,
} from '../../monitoring/dashboard-api/src/queries/user-db.js';
import { dropDatabases, libpqEnvironment, uniqueName, urlFor, withClient } from './postgres.js';
import { repoPath, run, requireTool } from './support.js';

// The read-only roles other services read auth-service's and user-service's databases through
// (docs/operations.md, "Databases and roles"): set up as the containers' init script and as
// make dev's provisioning set them up, then granted their columns as the owning service does at
// start-up, after its migrations. Each role is then used as user-service's user sync and
// dashboard-api use it, and tried on what it must never read.

const MIGRATIONS: Record<ReadOnlyService, URL> = {
  'auth-service': new URL('../../auth-service/migrations/', import.meta.url),
  'user-service': new URL('../../user-service/migrations/', import.meta.url),
};

interface Role {
  name: string;
  password: string;
}

interface Setup {
  database: string;
  owner: Role;
  readonly: Role;
}

const NOW = new Date('2026-03-02T10:00:00Z').toISOString();

/** postgres/init/10-cloud-backend-roles.sh, as the image runs it on an empty volume. */
function runInitScript(setup: Setup): void {
  const env = libpqEnvironment();
  const result = run('bash', [repoPath('postgres/init/10-cloud-backend-roles.sh')], {
    env: {
      ...process.env,
      ...env,
      POSTGRES_USER: env.PGUSER ?? '',
      DB_NAME: setup.database,
      DB_OWNER: setup.owner.name,
      DB_OWNER_PASSWORD: setup.owner.password,
      DB_READONLY_USER: setup.readonly.name,
      DB_READONLY_PASSWORD: setup.readonly.password,
    },
  });
  expect(result.status, result.output).toBe(0);
}

/** shared/src/dev/provision.ts, as make dev runs it at every start. */
async function runProvisioning(setup: Setup): Promise<void> {
  await provisionDatabases(postgresAdminUrl(), [
    {
      database: setup.database,
      owner: { role: setup.owner.name, password: setup.owner.password },
      readonly: { role: setup.readonly.name, password: setup.readonly.password },
    },
  ]);
}

/** What the service does when it starts: its migrations, then the grant, as the owner. */
async function startService(service: ReadOnlyService, setup: Setup): Promise<void> {
  const url = urlFor(setup.database, setup.owner);
  await migrateTestDatabase(url, MIGRATIONS[service]);
  await withClient(url, (client) => grantReadOnlyColumns(client, service, setup.readonly.name));
}

function newSetup(prefix: string): Setup {
  const database = uniqueName(prefix);
  return {
    database,
    owner: { name: `${database}_owner`, password: 'owner-password' },
    readonly: { name: `${database}_ro`, password: 'readonly-password' },
  };
}

async function dropSetups(setups: Setup[]): Promise<void> {
  await dropDatabases(...setups.map((s) => s.database));
  await withClient(urlFor('postgres'), async (client) => {
    for (const setup of setups) {
      for (const role of [setup.readonly, setup.owner]) {
        await client.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(role.name)}`);
      }
    }
  });
}

const asReader = (setup: Setup) => urlFor(setup.database, setup.readonly);
const asOwner = (setup: Setup) => urlFor(setup.database, setup.owner);

async function seedAuth(setup: Setup): Promise<number> {
  return withClient(asOwner(setup), async (client) => {
    const { rows } = await client.query<{ id: number }>(
      `INSERT INTO users (email, username, password, role, name, surname)
       VALUES ('reader@example.com', 'reader', '$2b$04$secretsecretsecretsecretsecretsecretsecretsecretsecre',
               'user', 'Rea', 'Der') RETURNING id`,
    );
    const id = rows[0]?.id ?? 0;
    await client.query(
      `INSERT INTO auth_logs (user_email, action, success, "timestamp", user_id)
       VALUES ('reader@example.com', 'login_success', true, $1::timestamptz - interval '1 hour', $2)`,
      [NOW, id],
    );
    return id;
  });
}

/** user-service's sync and dashboard-api's auth queries, as they run them. */
async function expectAuthReadsWork(setup: Setup, userId: number): Promise<void> {
  const pool = new pg.Pool({ connectionString: asReader(setup), max: 1 });
  // A connection still closing after pool.end() when the database is dropped WITH (FORCE)
  // gets "terminating connection": not an uncaught error.
  pool.on('error', () => undefined);
  try {
    expect(await findAuthUser(pool, userId)).toMatchObject({
      id: userId,
      email: 'reader@example.com',
      username: 'reader',
      role: 'user',
      name: 'Rea',
      surname: 'Der',
    });
    expect((await findAuthUsers(pool, [userId, userId + 1])).map((u) => u.id)).toEqual([userId]);
    const counts = await pool.query(SECURITY_COUNTS, [NOW, FAILED_LOGIN_ACTIONS]);
    expect(counts.rows[0]).toMatchObject({ successful_logins: 1, failed_logins: 0 });
    const hours = await pool.query(LOGINS_BY_HOUR_OF_DAY, [NOW, 'UTC', 7]);
    expect(hours.rows).toHaveLength(24);
  } finally {
    await pool.end();
  }
}

const DENIED = /permission denied/;

async function expectAuthSecretsRefused(setup: Setup): Promise<void> {
  await withClient(asReader(setup), async (client) => {
    for (const sql of [
      'SELECT password FROM users',
      'SELECT * FROM users',
      'SELECT failed_logins, locked_until FROM users',
      'SELECT * FROM sessions',
      'SELECT token_hash FROM refresh_tokens',
      'SELECT * FROM revocations',
      'SELECT payload FROM audit_outbox',
      'SELECT ip_address, user_agent, user_email FROM auth_logs',
      'SELECT * FROM pgmigrations',
    ]) {
      await expect(client.query(sql), sql).rejects.toThrow(DENIED);
    }
    // Writes: refused by the read-only transaction, and by the privileges under it.
    await expect(client.query(`UPDATE users SET role = 'admin'`)).rejects.toThrow(/read-only/);
    await client.query('SET default_transaction_read_only = off');
    await expect(client.query(`UPDATE users SET role = 'admin'`)).rejects.toThrow(DENIED);
    await expect(
      client.query(`INSERT INTO auth_logs (user_email, action, success) VALUES ('x', 'y', true)`),
    ).rejects.toThrow(DENIED);
  });
}

async function expectUserReadsWork(setup: Setup): Promise<void> {
  await withClient(asReader(setup), async (client) => {
    const counts = await client.query(ATTENDANCE_COUNTS, [NOW]);
    expect(counts.rows[0]).toEqual({ scans_24h: 0, events_24h: 0, records_24h: 0, present_24h: 0 });
    expect((await client.query(SCANS_PER_HOUR, [NOW, 'Europe/Rome'])).rows).toHaveLength(24);
    expect((await client.query(MOST_ACTIVE_USERS, [NOW, 7, 10])).rows).toEqual([]);
    expect((await client.query(PEAK_CHECK_IN_HOURS, [NOW, 'UTC', 7, 5])).rows).toEqual([]);
  });
}

async function expectUserPrivateColumnsRefused(setup: Setup): Promise<void> {
  await withClient(asReader(setup), async (client) => {
    for (const sql of [
      'SELECT email FROM users',
      'SELECT qr_jwt FROM attendance_events',
      'SELECT motivazione FROM attendance',
      'SELECT * FROM audit_outbox',
    ]) {
      await expect(client.query(sql), sql).rejects.toThrow(DENIED);
    }
  });
}

describe.each([
  ["the containers' init script", runInitScript],
  ["make dev's provisioning", runProvisioning],
] as const)('read-only roles made by %s', (_name, provision) => {
  const auth = newSetup('cb_ro_auth');
  const users = newSetup('cb_ro_users');
  let userId = 0;

  beforeAll(async () => {
    requireTool('psql', 'postgresql-client');
    await provision(auth);
    await provision(users);
    await Promise.all([startService('auth-service', auth), startService('user-service', users)]);
    userId = await seedAuth(auth);
  });
  afterAll(() => dropSetups([auth, users]));

  it("auth's: the user sync's and the dashboard's queries work", () =>
    expectAuthReadsWork(auth, userId));

  it("auth's: no password hash, session, refresh token or lockout state; no writes", () =>
    expectAuthSecretsRefused(auth));

  it("users': the dashboard's queries work, and nothing else is readable", async () => {
    await expectUserReadsWork(users);
    await expectUserPrivateColumnsRefused(users);
  });

  it('a table a later migration adds stays unreadable until it is granted', async () => {
    await withClient(asOwner(auth), (client) => client.query('CREATE TABLE later (secret text)'));
    await withClient(asReader(auth), async (client) => {
      await expect(client.query('SELECT secret FROM later')).rejects.toThrow(DENIED);
    });
  });
});

describe('a database made by an earlier version (SELECT on every table)', () => {
  const auth = newSetup('cb_ro_old');
  let userId = 0;

  beforeAll(async () => {
    await runProvisioning(auth);
    await migrateTestDatabase(asOwner(auth), MIGRATIONS['auth-service']);
    // What make dev and the init script granted before.
    await withClient(urlFor(auth.database), async (client) => {
      const ro = pg.escapeIdentifier(auth.readonly.name);
      const owner = pg.escapeIdentifier(auth.owner.name);
      await client.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${ro}`);
      await client.query(
        `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT SELECT ON TABLES TO ${ro}`,
      );
    });
    userId = await seedAuth(auth);
  });
  afterAll(() => dropSetups([auth]));

  it('is narrowed by the next start of the service, and twice is the same as once', async () => {
    await withClient(asReader(auth), async (client) => {
      const { rows } = await client.query<{ password: string }>('SELECT password FROM users');
      expect(rows).toHaveLength(1);
    });
    await withClient(asOwner(auth), async (client) => {
      await grantReadOnlyColumns(client, 'auth-service', auth.readonly.name);
      await grantReadOnlyColumns(client, 'auth-service', auth.readonly.name);
    });
    await expectAuthSecretsRefused(auth);
    await expectAuthReadsWork(auth, userId);
    // The old default privileges are gone too: a new table is not readable.
    await withClient(asOwner(auth), (client) => client.query('CREATE TABLE later (secret text)'));
    await withClient(asReader(auth), async (client) => {
      await expect(client.query('SELECT secret FROM later')).rejects.toThrow(DENIED);
    });
  });

  it('refuses a role that does not exist, the service own role, or a superuser', async () => {
    await withClient(asOwner(auth), async (client) => {
      await expect(grantReadOnlyColumns(client, 'auth-service', 'no_such_role_x')).rejects.toThrow(
        'DATABASE_READONLY_ROLE: role "no_such_role_x" does not exist',
      );
      await expect(grantReadOnlyColumns(client, 'auth-service', auth.owner.name)).rejects.toThrow(
        "is the service's own role",
      );
      const superuser = libpqEnvironment().PGUSER ?? '';
      await expect(grantReadOnlyColumns(client, 'auth-service', superuser)).rejects.toThrow(
        'is a superuser',
      );
    });
  });
});
