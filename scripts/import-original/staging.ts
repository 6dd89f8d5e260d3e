/**
 * A staging database: created beside the port's database, filled from the original, given to
 * the port's roles, upgraded by the service's own migrations. Nothing the services use is
 * touched until the swap.
 */
import pg from 'pg';
import { pino } from 'pino';
// The migrations alone: the package's index would load Fastify and the rest of the services'
// stack, a second of start-up for a command that needs none of it.
import { runMigrations } from '@cloud-backend/shared/migrations';
import {
  grantReadOnlyColumns,
  READ_ONLY_COLUMNS,
  type ReadOnlyService,
} from '@cloud-backend/shared/read-only-grants';
import { ImportError } from './errors.js';
import { MIGRATIONS, SERVICE_OF, type OriginalDatabase } from './names.js';
import { restoreDump, RestoreError, type RestoreSummary } from './restore.js';
import { withDatabase, type TargetDatabase } from './target.js';

const ident = (name: string) => pg.escapeIdentifier(name);

export async function withClient<T>(
  url: string,
  use: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  // A server-side error between queries (a terminated session) must not crash the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function createStaging(
  adminUrl: string,
  database: TargetDatabase,
  staging: string,
): Promise<void> {
  await withClient(adminUrl, async (admin) => {
    await admin.query(
      `CREATE DATABASE ${ident(staging)} OWNER ${ident(database.owner)} ENCODING 'UTF8' TEMPLATE template0`,
    );
    // As the port's provisioning does for its own databases.
    await admin.query(`REVOKE ALL ON DATABASE ${ident(staging)} FROM PUBLIC`);
    await admin.query(`GRANT ALL ON DATABASE ${ident(staging)} TO ${ident(database.owner)}`);
    for (const role of [database.readonly, database.append]) {
      if (role) await admin.query(`GRANT CONNECT ON DATABASE ${ident(staging)} TO ${ident(role)}`);
    }
  });
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, (admin) =>
    admin.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`),
  );
}

/** Fills the staging database from a dump's lines; a failure names the line. */
export async function restoreInto(
  stagingUrl: string,
  lines: AsyncIterable<string>,
  source: string,
): Promise<RestoreSummary> {
  try {
    // A connection of its own: the dump changes session settings (search_path, …).
    return await withClient(stagingUrl, (client) => restoreDump(client, lines));
  } catch (err) {
    if (err instanceof ImportError) throw err;
    if (err instanceof RestoreError) {
      throw new ImportError(`${source}, line ${err.line}: ${err.message}; nothing was changed`);
    }
    throw new ImportError(`${source}: ${(err as Error).message}; nothing was changed`);
  }
}

export type DumpKind = 'auth' | 'users' | 'social' | 'none' | 'unknown';

const EXPECTED: Record<OriginalDatabase, DumpKind[]> = {
  auth_logs_db: ['auth'],
  users_db: ['users'],
  // The original never created its social_logs table: its database was empty.
  social_logs_db: ['social', 'none'],
};

const DATABASE_OF: Record<DumpKind, string> = {
  auth: 'auth_logs_db (it has users with passwords)',
  users: 'users_db (it has attendance_events)',
  social: 'social_logs_db (it has social_logs)',
  none: 'an empty database (it has no tables)',
  unknown: 'some other database (none of the original tables)',
};

/** Which of the original's databases the restored tables say this is. */
export async function identify(client: pg.Client): Promise<{ kind: DumpKind; port: boolean }> {
  const result = await client.query<{ table: string; columns: string[] }>(
    `SELECT c.relname AS table, array_agg(a.attname::text) AS columns
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
      GROUP BY c.relname`,
  );
  const tables = new Map(result.rows.map((row) => [row.table, row.columns]));
  const port = tables.has('pgmigrations');
  if (tables.has('attendance_events') || tables.get('users')?.includes('last_name')) {
    return { kind: 'users', port };
  }
  if (tables.get('users')?.includes('password') || tables.has('auth_logs')) {
    return { kind: 'auth', port };
  }
  if (tables.has('social_logs')) return { kind: 'social', port };
  return { kind: tables.size === 0 ? 'none' : 'unknown', port };
}

export async function checkIdentity(
  stagingUrl: string,
  original: OriginalDatabase,
  source: string,
): Promise<{ port: boolean }> {
  const { kind, port } = await withClient(stagingUrl, identify);
  if (!EXPECTED[original].includes(kind)) {
    throw new ImportError(
      `${source} is not a dump of ${original}: it holds ${DATABASE_OF[kind]}; nothing was changed`,
    );
  }
  return { port };
}

/**
 * Gives every object of the restored database to the service's role (the original's owners
 * were its superusers, which the port does not have or does not use).
 */
export async function takeOwnership(stagingUrl: string, owner: string): Promise<void> {
  await withClient(stagingUrl, (client) =>
    client.query(`
      DO $take$
      DECLARE
        r record;
        new_owner constant text := ${pg.escapeLiteral(owner)};
      BEGIN
        FOR r IN
          SELECT n.nspname FROM pg_namespace n
           WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
             AND n.nspname !~ '^pg_(toast|temp)'
             AND pg_get_userbyid(n.nspowner) <> 'pg_database_owner'
        LOOP
          EXECUTE format('ALTER SCHEMA %I OWNER TO %I', r.nspname, new_owner);
        END LOOP;
        -- Sequences of serial and identity columns follow their table.
        FOR r IN
          SELECT c.oid::regclass AS rel, c.relkind FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
             AND n.nspname !~ '^pg_(toast|temp)'
             AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S', 'c')
             AND NOT EXISTS (SELECT 1 FROM pg_depend d
                              WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                AND (d.deptype = 'e' OR (c.relkind = 'S' AND d.deptype IN ('a', 'i'))))
        LOOP
          EXECUTE format('ALTER %s %s OWNER TO %I',
            CASE r.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                           WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE'
                           WHEN 'c' THEN 'TYPE' ELSE 'TABLE' END,
            r.rel, new_owner);
        END LOOP;
        FOR r IN
          SELECT p.oid::regprocedure AS routine FROM pg_proc p
            JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
             AND n.nspname !~ '^pg_(toast|temp)'
             AND NOT EXISTS (SELECT 1 FROM pg_depend d
                              WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                                AND d.deptype = 'e')
        LOOP
          EXECUTE format('ALTER ROUTINE %s OWNER TO %I', r.routine, new_owner);
        END LOOP;
        -- Domains, enums and ranges (array and multirange types follow theirs).
        FOR r IN
          SELECT t.oid::regtype AS type FROM pg_type t
            JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
             AND n.nspname !~ '^pg_(toast|temp)'
             AND t.typtype IN ('d', 'e', 'r')
             AND NOT EXISTS (SELECT 1 FROM pg_depend d
                              WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid
                                AND d.deptype = 'e')
        LOOP
          EXECUTE format('ALTER TYPE %s OWNER TO %I', r.type, new_owner);
        END LOOP;
      END
      $take$`),
  );
}

/**
 * The privileges the port's provisioning gives (shared/src/dev/provision.ts for make dev,
 * postgres/init/ under compose): read-only roles the schema (their columns come after the
 * migrations, grantReadOnly), the append role SELECT and INSERT, on today's tables and on every
 * table the owner creates later.
 */
export async function grantPortPrivileges(stagingUrl: string, database: TargetDatabase) {
  await withClient(stagingUrl, async (client) => {
    const owner = ident(database.owner);
    if (database.readonly) {
      await client.query(`GRANT USAGE ON SCHEMA public TO ${ident(database.readonly)}`);
    }
    if (database.append) {
      const ap = ident(database.append);
      await client.query(`GRANT USAGE ON SCHEMA public TO ${ap}`);
      await client.query(`GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO ${ap}`);
      await client.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${ap}`);
      await client.query(
        `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT SELECT, INSERT ON TABLES TO ${ap}`,
      );
      await client.query(
        `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${ap}`,
      );
    }
  });
}

/**
 * The read-only role's columns, as the service grants them at start-up after its migrations
 * (shared/src/read-only-grants.ts), so the swapped-in database is right before any service
 * starts on it.
 */
export async function grantReadOnly(
  adminUrl: string,
  staging: string,
  database: TargetDatabase,
): Promise<void> {
  const service = SERVICE_OF[database.original];
  const role = database.readonly;
  if (!role || !(service in READ_ONLY_COLUMNS)) return;
  await withClient(withDatabase(adminUrl, staging, database.owner), (client) =>
    grantReadOnlyColumns(client, service as ReadOnlyService, role),
  );
}

/** The service's own migrations, as its role, exactly as it would run them at start-up. */
export async function migrate(
  adminUrl: string,
  staging: string,
  database: TargetDatabase,
): Promise<string[]> {
  try {
    return await runMigrations({
      databaseUrl: withDatabase(adminUrl, staging, database.owner),
      dir: MIGRATIONS[database.original],
      log: pino({ level: 'silent' }),
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new ImportError(
      `${SERVICE_OF[database.original]}'s migrations failed on the restored ${database.original}: ${message}; nothing was changed`,
    );
  }
}
