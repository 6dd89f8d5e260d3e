import pg from 'pg';
import { Type } from 'typebox';

/**
 * What other services read from a service's database through its read-only role, column by
 * column, and nothing more: user-service's user sync reads accounts from auth-service's
 * database (user-service/src/repositories/auth-users.ts), dashboard-api counts logins there and
 * check-ins in user-service's database (monitoring/dashboard-api/src/queries). Password hashes,
 * sessions, refresh tokens, lockout counters and the outbox stay out of reach. A query that
 * reads a column missing here fails with "permission denied"; add the column here with it.
 */
export const READ_ONLY_COLUMNS = {
  'auth-service': {
    users: ['id', 'email', 'username', 'role', 'name', 'surname', 'created_at'],
    auth_logs: ['action', 'success', 'timestamp'],
  },
  'user-service': {
    users: ['id', 'name', 'last_name'],
    attendance: ['id', 'event_id', 'user_id', 'status', 'scanned_at'],
    attendance_events: ['event_id', 'starts_at', 'expires_at'],
  },
} as const satisfies Record<string, Record<string, readonly string[]>>;

export type ReadOnlyService = keyof typeof READ_ONLY_COLUMNS;

/** The setting of auth-service and user-service naming their database's read-only role. */
export const readOnlyRoleEnv = {
  DATABASE_READONLY_ROLE: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z_][A-Za-z0-9_]{0,62}$',
      description:
        'the read-only role other services read this database through (a PostgreSQL role name); ' +
        'at every start it is given SELECT on exactly the columns they read, and nothing else',
    }),
  ),
};

const ident = (name: string) => pg.escapeIdentifier(name);

// One key for every database: two replicas granting at once would otherwise collide on the
// same catalog rows ("tuple concurrently updated").
const LOCK = `SELECT pg_advisory_xact_lock(hashtext('cloud-backend read-only grants'))`;

/**
 * Gives `role` SELECT on exactly READ_ONLY_COLUMNS[service], as the tables' owner, in one
 * transaction: every other privilege of the role on the schema's tables is revoked first,
 * table-wide grants and column grants alike, and so are the owner's default privileges for it
 * (make dev and the containers' init script gave it SELECT on every table before). Idempotent:
 * the services run it at every start, after their migrations, so an existing database is
 * brought to the same state as a new one. `db` must be connected as the tables' owner.
 */
export async function grantReadOnlyColumns(
  db: pg.Pool | pg.Client,
  service: ReadOnlyService,
  role: string,
): Promise<void> {
  // A pool lends one connection for the transaction (duck-typed: a pool may come from another
  // copy of pg).
  const pool = 'totalCount' in db ? db : undefined;
  const client = pool ? await pool.connect() : (db as pg.Client);
  try {
    const { rows } = await client.query<{ me: string; exists: boolean; superuser: boolean }>(
      `SELECT current_user AS me,
              EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS exists,
              COALESCE((SELECT rolsuper FROM pg_roles WHERE rolname = $1), false) AS superuser`,
      [role],
    );
    const found = rows[0];
    if (!found?.exists) throw new Error(`DATABASE_READONLY_ROLE: role "${role}" does not exist`);
    if (found.me === role) {
      throw new Error(`DATABASE_READONLY_ROLE: "${role}" is the service's own role`);
    }
    if (found.superuser) {
      throw new Error(`DATABASE_READONLY_ROLE: "${role}" is a superuser; no grant can limit it`);
    }
    const ro = ident(role);
    await client.query('BEGIN');
    try {
      await client.query(LOCK);
      await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${ro}`);
      await client.query(
        `ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM ${ro}`,
      );
      const tables: Record<string, readonly string[]> = READ_ONLY_COLUMNS[service];
      for (const [table, columns] of Object.entries(tables)) {
        const list = columns.map(ident).join(', ');
        await client.query(`GRANT SELECT (${list}) ON ${ident(table)} TO ${ro}`);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  } finally {
    if (pool) (client as pg.PoolClient).release();
  }
}
