import pg from 'pg';

/** A database owned by its service's role, with an optional read-only role for cross-reads. */
export interface DatabaseSpec {
  database: string;
  owner: { role: string; password: string };
  readonly?: { role: string; password: string };
}

const ident = (name: string) => pg.escapeIdentifier(name);
const literal = (value: string) => pg.escapeLiteral(value);

async function ensureRole(client: pg.Client, role: string, password: string): Promise<void> {
  const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  const verb = exists.rowCount ? 'ALTER' : 'CREATE';
  await client.query(`${verb} ROLE ${ident(role)} LOGIN PASSWORD ${literal(password)}`);
}

/**
 * Creates (or brings up to date) each database, its owning role and its read-only role. The
 * read-only role may connect, use the schema and run read-only transactions; which columns it
 * may read is granted by the owning service after its migrations (grantReadOnlyColumns, with
 * DATABASE_READONLY_ROLE), since the tables do not exist yet on a first start. Safe to run on
 * every start.
 */
export async function provisionDatabases(adminUrl: string, specs: DatabaseSpec[]): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (const spec of specs) {
      await ensureRole(admin, spec.owner.role, spec.owner.password);
      if (spec.readonly) await ensureRole(admin, spec.readonly.role, spec.readonly.password);
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [
        spec.database,
      ]);
      if (!exists.rowCount) {
        await admin.query(
          `CREATE DATABASE ${ident(spec.database)} OWNER ${ident(spec.owner.role)} ENCODING 'UTF8'`,
        );
      }
      await admin.query(`REVOKE ALL ON DATABASE ${ident(spec.database)} FROM PUBLIC`);
      await admin.query(
        `GRANT ALL ON DATABASE ${ident(spec.database)} TO ${ident(spec.owner.role)}`,
      );
      if (!spec.readonly) continue;
      await admin.query(
        `GRANT CONNECT ON DATABASE ${ident(spec.database)} TO ${ident(spec.readonly.role)}`,
      );
      const url = new URL(adminUrl);
      url.pathname = `/${spec.database}`;
      const db = new pg.Client({ connectionString: url.toString() });
      await db.connect();
      try {
        const ro = ident(spec.readonly.role);
        await db.query(`GRANT USAGE ON SCHEMA public TO ${ro}`);
        await db.query(`ALTER ROLE ${ro} SET default_transaction_read_only = on`);
      } finally {
        await db.end();
      }
    }
  } finally {
    await admin.end();
  }
}

/** The URL of a database on the same server, as a given role. */
export function databaseUrl(
  adminUrl: string,
  database: string,
  role: string,
  password: string,
): string {
  const url = new URL(adminUrl);
  url.username = encodeURIComponent(role);
  url.password = encodeURIComponent(password);
  url.pathname = `/${database}`;
  return url.toString();
}
