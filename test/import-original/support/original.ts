/**
 * Small databases shaped as the original left them, and backups of them made the way its
 * pg-backup job made them (`pg_dump <db> | gzip > <db>_<time>.sql.gz`), for the tests of
 * make import-original.
 *
 * The user database holds the shapes the import must carry over: the live code's per-event
 * table, a pre-populated table of the 0012 generation (statuses present/not_registered, rows
 * never scanned), two events whose table names were cut to the same 63 bytes, a table no event
 * maps to, an event whose table was never created, the fake "Daily Attendance Check" row,
 * and the original's functions and views (dollar-quoted bodies for the dump reader).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import pg from 'pg';

export const ORIGINAL_NAMES = ['auth_logs_db', 'users_db', 'social_logs_db'] as const;
export type OriginalName = (typeof ORIGINAL_NAMES)[number];

export const OWNERS: Record<OriginalName, string> = {
  auth_logs_db: 'auth_admin',
  users_db: 'user_admin',
  social_logs_db: 'social_admin',
};

const ident = (name: string) => pg.escapeIdentifier(name);

/** A long event name: the original's table names for these two are cut to the same 63 bytes. */
const LONG = 'assemblea-generale-dei-soci-della-sezione-territoriale';
export const EVENTS = {
  meeting: 'team-meeting-2025-06-10',
  prepopulated: 'riunione-2025-05-02',
  longA: `${LONG}-nord-2025-06-12`,
  longB: `${LONG}-sud-2025-06-13`,
  noTable: "l'evento-2025-06-14",
  fake: 'daily-2025-06-15',
} as const;

export const TABLES = {
  meeting: 'attendance_team_meeting_2025_06_10',
  prepopulated: 'attendance_riunione_2025_05_02',
  long: `attendance_${LONG.replaceAll('-', '_')}`.slice(0, 63),
  orphan: 'attendance_vecchio_evento_2024_01_01',
};

export interface Checkin {
  event_id: string;
  user_id: number;
  scanned_at: string | null;
  status: string;
  motivazione: string | null;
}

/** Every check-in the fixture holds that has an event, as the port must show it after. */
export const CHECKINS: Checkin[] = [
  {
    event_id: EVENTS.meeting,
    user_id: 1,
    scanned_at: '2025-06-10T08:01:02Z',
    status: 'present',
    motivazione: null,
  },
  {
    event_id: EVENTS.meeting,
    user_id: 2,
    scanned_at: '2025-06-10T08:03:04Z',
    status: 'present',
    motivazione: null,
  },
  {
    event_id: EVENTS.meeting,
    user_id: 3,
    scanned_at: '2025-06-10T09:00:00Z',
    status: 'hospital',
    motivazione: 'ricoverato; "urgente"',
  },
  {
    event_id: EVENTS.prepopulated,
    user_id: 1,
    scanned_at: '2025-05-02T07:30:00Z',
    status: 'present',
    motivazione: null,
  },
  {
    event_id: EVENTS.prepopulated,
    user_id: 2,
    scanned_at: null,
    status: 'not_registered',
    motivazione: null,
  },
  {
    event_id: EVENTS.prepopulated,
    user_id: 3,
    scanned_at: null,
    status: 'not_registered',
    motivazione: null,
  },
  {
    event_id: EVENTS.longA,
    user_id: 2,
    scanned_at: '2025-06-12T10:00:00Z',
    status: 'present',
    motivazione: null,
  },
];
/** Rows of the table no event maps to: kept in the legacy schema, not moved. */
export const ORPHAN_ROWS = 2;
export const ACCOUNTS = 5;
/** The two accounts whose e-mails differ only in case. */
export const CONFLICTING_EMAIL = 'carla@example.com';

const AUTH_SQL = `
CREATE TABLE users (
  id SERIAL PRIMARY KEY,
  email VARCHAR(255) UNIQUE NOT NULL,
  username VARCHAR(100) UNIQUE,
  password VARCHAR(255) NOT NULL,
  role VARCHAR(50) NOT NULL DEFAULT 'user',
  name VARCHAR(100),
  surname VARCHAR(100),
  last_login TIMESTAMP,
  created_at TIMESTAMP DEFAULT NOW()
);
COMMENT ON COLUMN users.role IS 'User role: user or admin';
CREATE INDEX idx_users_role ON users(role);
CREATE TABLE auth_log (id SERIAL PRIMARY KEY, user_email VARCHAR(255), username VARCHAR(100),
  action VARCHAR(50), ip VARCHAR(50), user_agent TEXT, success BOOLEAN, created_at TIMESTAMP DEFAULT NOW());
CREATE TABLE auth_logs (id SERIAL PRIMARY KEY, user_email VARCHAR(255) NOT NULL, username VARCHAR(255),
  action VARCHAR(64) NOT NULL, ip_address VARCHAR(64), user_agent TEXT, success BOOLEAN NOT NULL,
  timestamp TIMESTAMPTZ DEFAULT now());
-- bcrypt of "password1" (cost 4); the same hash for everyone is enough here.
INSERT INTO users (email, username, password, role, name, surname, last_login, created_at) VALUES
  ('anna@example.com', 'anna', '$2a$04$Zr7pZ1f5qJ4Gm0Q3s0lqhOe2m9xkY3hK1q7bqv3l5w4pJ2cXrQx1K', 'admin', 'Anna', 'Rossi', '2025-06-10 08:00:00', '2025-01-01 10:00:00'),
  ('bruno@example.com', 'bruno', '$2a$04$Zr7pZ1f5qJ4Gm0Q3s0lqhOe2m9xkY3hK1q7bqv3l5w4pJ2cXrQx1K', 'user', 'Bruno', 'Bianchi', NULL, '2025-01-02 10:00:00'),
  ('Carla@Example.com', 'carla', '$2a$04$Zr7pZ1f5qJ4Gm0Q3s0lqhOe2m9xkY3hK1q7bqv3l5w4pJ2cXrQx1K', 'user', 'Carla', 'Verdi', NULL, '2025-01-03 10:00:00'),
  ('dario@example.com', 'dario', '$2a$04$Zr7pZ1f5qJ4Gm0Q3s0lqhOe2m9xkY3hK1q7bqv3l5w4pJ2cXrQx1K', 'user', 'Dario', 'Neri', NULL, '2025-01-04 10:00:00'),
  -- The original compared e-mails as typed: two accounts for one address.
  ('carla@example.com', 'carla.v', '$2a$04$Zr7pZ1f5qJ4Gm0Q3s0lqhOe2m9xkY3hK1q7bqv3l5w4pJ2cXrQx1K', 'user', 'Carla', 'Verdi', NULL, '2025-01-05 10:00:00');
INSERT INTO auth_logs (user_email, username, action, ip_address, user_agent, success, timestamp) VALUES
  ('anna@example.com', 'anna', 'login', '10.0.0.1', E'curl/8.0 \\\\ "quoted"', true, '2025-06-10 08:00:00+00');
`;

function liveTable(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) UNIQUE,
    name VARCHAR(255) NOT NULL,
    surname VARCHAR(255) NOT NULL,
    scanned_at TIMESTAMP WITH TIME ZONE,
    timestamp TIMESTAMP,
    status VARCHAR(50) DEFAULT 'present' CHECK (status IN ('present', 'hospital', 'family', 'emergency', 'vacancy', 'personal', 'not_registered')),
    motivazione TEXT,
    updated_by INTEGER REFERENCES users(id),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
  );
  CREATE INDEX IF NOT EXISTS idx_${table}_user_id ON ${table}(user_id);`;
}

const USERS_SQL = `
CREATE TABLE users (id SERIAL PRIMARY KEY, name TEXT NOT NULL, last_name TEXT NOT NULL,
  username VARCHAR(255), status TEXT NOT NULL DEFAULT 'active', created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  role VARCHAR(20) DEFAULT 'user', email VARCHAR(255) UNIQUE, updated_at TIMESTAMPTZ DEFAULT now(),
  CONSTRAINT check_role CHECK (role IN ('user', 'admin')));
CREATE INDEX idx_users_email ON users(email);
CREATE TABLE attendance_events (
  id SERIAL PRIMARY KEY, event_id VARCHAR(100) UNIQUE NOT NULL, event_name VARCHAR(255) NOT NULL,
  date DATE NOT NULL, qr_jwt TEXT NOT NULL, qr_image_path TEXT, expires_at TIMESTAMP NOT NULL,
  created_by INTEGER REFERENCES users(id), created_at TIMESTAMP DEFAULT NOW(), is_active BOOLEAN DEFAULT true,
  total_users INTEGER DEFAULT 0, present_count INTEGER DEFAULT 0, scan_success_count INTEGER DEFAULT 0,
  scan_error_count INTEGER DEFAULT 0, last_scan_at TIMESTAMPTZ, system_notes TEXT, timestamp TIMESTAMP DEFAULT NOW());
CREATE INDEX idx_attendance_events_date ON attendance_events(date);
CREATE OR REPLACE FUNCTION populate_event_users_automatic(event_table_name TEXT) RETURNS void AS $$
BEGIN
  -- a body with a ; and a 'quote' inside
  EXECUTE format('INSERT INTO %I (user_id, name, surname, status) SELECT id, name, last_name, ''not_registered'' FROM users ON CONFLICT DO NOTHING', event_table_name);
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE VIEW event_attendance_stats_automatic AS
  SELECT e.id, e.event_id, e.event_name, e.total_users, e.present_count FROM attendance_events e ORDER BY e.date DESC;
INSERT INTO users (id, name, last_name, username, role, email, created_at) VALUES
  (1, 'Anna', 'Rossi', 'anna', 'admin', 'anna@example.com', '2025-01-01 10:00:00+00'),
  (2, 'Bruno', 'Bianchi', 'bruno', 'user', 'bruno@example.com', '2025-01-02 10:00:00+00'),
  (3, 'Carla', 'Verdi', 'carla', 'user', 'carla@example.com', '2025-01-03 10:00:00+00');
INSERT INTO attendance_events (event_id, event_name, date, qr_jwt, expires_at, created_by, created_at) VALUES
  ('${EVENTS.prepopulated}', 'Riunione', '2025-05-02', 'x.y.z', '2025-05-02 23:59:59', 1, '2025-05-01 09:00:00'),
  ('${EVENTS.meeting}', 'Team Meeting', '2025-06-10', 'x.y.z', '2025-06-10 23:59:59', 1, '2025-06-09 09:00:00'),
  ('${EVENTS.longA}', 'Assemblea nord', '2025-06-12', 'x.y.z', '2025-06-12 23:59:59', 1, '2025-06-11 09:00:00'),
  ('${EVENTS.longB}', 'Assemblea sud', '2025-06-13', 'x.y.z', '2025-06-13 23:59:59', 1, '2025-06-12 11:00:00'),
  ('${EVENTS.noTable.replaceAll("'", "''")}', 'L''evento', '2025-06-14', 'x.y.z', '2025-06-14 23:59:59', 1, '2025-06-13 09:00:00');
INSERT INTO attendance_events (event_id, event_name, date, qr_jwt, expires_at, created_by, created_at) VALUES
  ('${EVENTS.fake}', 'Daily Attendance Check', '2025-06-15', 'sample.jwt.token.for.analytics', '2025-06-16 00:00:00', NULL, '2025-06-15 00:00:00');
${liveTable(TABLES.meeting)}
INSERT INTO ${TABLES.meeting} (user_id, name, surname, scanned_at, status, motivazione, updated_at) VALUES
  (1, 'Anna', 'Rossi', '2025-06-10 08:01:02.345+00', 'present', NULL, '2025-06-10 08:01:02.345+00'),
  (2, 'Bruno', 'Bianchi', '2025-06-10 08:03:04.999+00', 'present', NULL, '2025-06-10 08:03:04.999+00'),
  (3, 'Carla', 'Verdi', '2025-06-10 09:00:00+00', 'hospital', 'ricoverato; "urgente"', '2025-06-10 09:00:00+00');
-- The 0012 generation: pre-populated, two statuses, rows never scanned.
CREATE TABLE ${TABLES.prepopulated} (id SERIAL PRIMARY KEY, user_id INTEGER, name VARCHAR(255), surname VARCHAR(255),
  status VARCHAR(50) DEFAULT 'not_registered' CHECK (status IN ('present', 'not_registered')),
  scanned_at TIMESTAMPTZ, updated_at TIMESTAMPTZ DEFAULT NOW());
INSERT INTO ${TABLES.prepopulated} (user_id, name, surname, status, scanned_at) VALUES
  (1, 'Anna', 'Rossi', 'present', '2025-05-02 07:30:00+00'),
  (2, 'Bruno', 'Bianchi', 'not_registered', NULL),
  (3, 'Carla', 'Verdi', 'not_registered', NULL);
${liveTable(TABLES.long)}
INSERT INTO ${TABLES.long} (user_id, name, surname, scanned_at, status) VALUES
  (2, 'Bruno', 'Bianchi', '2025-06-12 10:00:00+00', 'present');
${liveTable(TABLES.orphan)}
INSERT INTO ${TABLES.orphan} (user_id, name, surname, scanned_at, status) VALUES
  (1, 'Anna', 'Rossi', '2024-01-01 08:00:00+00', 'present'),
  (3, 'Carla', 'Verdi', '2024-01-01 08:05:00+00', 'present');
`;

/** Each original database's tables and rows, as its owner role would have created them. */
export const ORIGINAL_SQL: Record<OriginalName, string> = {
  auth_logs_db: AUTH_SQL,
  users_db: USERS_SQL,
  // The original never created its social_logs table: the database stayed empty.
  social_logs_db: '',
};

export interface OriginalDatabases {
  /** The original's name → the database holding it on the test server. */
  names: Record<OriginalName, string>;
  urls: Record<OriginalName, string>;
  drop(): Promise<void>;
}

async function onDatabase(adminUrl: string, database: string, sql: string, owner: string) {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    // As the original's superuser role did: every object is owned by it.
    await client.query(`SET ROLE ${ident(owner)}`);
    if (sql.trim()) await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The original's three databases, filled, on the server of `adminUrl`. */
export async function createOriginalDatabases(adminUrl: string): Promise<OriginalDatabases> {
  const suffix = randomBytes(4).toString('hex');
  const names = {} as Record<OriginalName, string>;
  const urls = {} as Record<OriginalName, string>;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (const original of ORIGINAL_NAMES) {
      const owner = OWNERS[original];
      const role = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [owner]);
      if (!role.rowCount)
        await admin.query(`CREATE ROLE ${ident(owner)} NOLOGIN`).catch(() => undefined);
      names[original] = `orig_${original}_${suffix}`;
      await admin.query(`CREATE DATABASE ${ident(names[original])} OWNER ${ident(owner)}`);
      const url = new URL(adminUrl);
      url.pathname = `/${names[original]}`;
      urls[original] = url.toString();
    }
  } finally {
    await admin.end();
  }
  for (const original of ORIGINAL_NAMES) {
    await onDatabase(adminUrl, names[original], ORIGINAL_SQL[original], OWNERS[original]);
  }
  return {
    names,
    urls,
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        for (const name of Object.values(names)) {
          await client.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
        }
      } finally {
        await client.end();
      }
    },
  };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} failed (${String(code)}): ${stderr}`)),
    );
  });
}

/**
 * A backup as the original's backup.sh made it: `pg_dump <db> | gzip > <name>_<time>.sql.gz`
 * (plain format, owners and privileges in it), into `folder`. Returns the file's path.
 */
export async function writeBackup(
  url: string,
  folder: string,
  original: OriginalName,
  time = '2025-06-20_02-00-00',
): Promise<string> {
  const file = join(folder, `${original}_${time}.sql.gz`);
  await run('bash', ['-c', 'pg_dump --no-password "$1" | gzip > "$2"', 'backup', url, file]);
  return file;
}

/** The three backups of one night. */
export async function writeBackups(
  databases: OriginalDatabases,
  folder: string,
  time?: string,
): Promise<Record<OriginalName, string>> {
  const files = {} as Record<OriginalName, string>;
  for (const original of ORIGINAL_NAMES) {
    files[original] = await writeBackup(databases.urls[original], folder, original, time);
  }
  return files;
}

/**
 * Turns a pg_dump 15 backup into what pg_dump 17.6 and later writes for the same database:
 * `\restrict <key>` after the header and `\unrestrict <key>` at the end, and
 * `SET transaction_timeout = 0;`, which PostgreSQL 15 does not know.
 */
export async function asNewerPgDump(file: string): Promise<void> {
  const key = randomBytes(24).toString('base64url');
  let text = gunzipSync(await readFile(file)).toString('utf8');
  // pg_dump 15.14 and later write the \restrict lines too; older ones do not.
  if (!text.includes('\n\\restrict ')) {
    text = text
      .replace(
        '--\n-- PostgreSQL database dump\n--\n',
        `--\n-- PostgreSQL database dump\n--\n\n\\restrict ${key}\n`,
      )
      .replace(
        /--\n-- PostgreSQL database dump complete\n--\n/,
        (footer) => `${footer}\n\\unrestrict ${key}\n`,
      );
  }
  text = text
    .replace(/^-- Dumped by pg_dump version .*$/m, '-- Dumped by pg_dump version 17.6')
    .replace(
      'SET idle_in_transaction_session_timeout = 0;\n',
      'SET idle_in_transaction_session_timeout = 0;\nSET transaction_timeout = 0;\n',
    );
  await writeFile(file, gzipSync(Buffer.from(text)));
}
