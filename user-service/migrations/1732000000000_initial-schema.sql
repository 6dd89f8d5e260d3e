-- Up Migration

-- The port's baseline. On a fresh database it creates the schema; on a database the original
-- left behind (whatever path its migration files took: docs/switch-over.md) it brings `users`
-- and `attendance_events` to this shape (the next migration then copies the original's
-- per-event tables into `attendance` and keeps them in the `legacy` schema). The migrations
-- run in one transaction: a failure changes nothing.

-- The original wrote wall-clock UTC into columns without a time zone (the server ran in UTC).
SET LOCAL timezone = 'UTC';

------------------------------------------------------------------------------------------------
-- legacy: the original's data as it was, kept read-only beside the port's tables until the
-- operator removes it (docs/switch-over.md). Created on every database so the service and the
-- import command can read its report tables whatever the database's history.
------------------------------------------------------------------------------------------------
CREATE SCHEMA IF NOT EXISTS legacy;

-- Views over the tables changed below. The original's two views (statistics from counters
-- nothing maintained) block any change of the columns they read, so they are dropped; their
-- definitions, and those of any other view an operator added, are kept here and reported.
CREATE TABLE IF NOT EXISTS legacy.dropped_views (
  view_name text PRIMARY KEY,
  definition text NOT NULL,
  dropped_at timestamptz NOT NULL DEFAULT now()
);

DO $$
DECLARE
  v record;
  views regclass[] := '{}';
BEGIN
  -- A database the original left behind: keep its events exactly as they were (with the fake
  -- rows and unused counters removed further down) before anything changes them.
  IF to_regclass('attendance_events') IS NOT NULL
     AND to_regclass('legacy.original_attendance_events') IS NULL THEN
    CREATE TABLE legacy.original_attendance_events AS TABLE attendance_events;
  END IF;
  -- Every view reading users or attendance_events, and the views reading those, in turn.
  FOR v IN
    WITH RECURSIVE dependent(oid) AS (
      SELECT r.ev_class
        FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
       WHERE d.classid = 'pg_rewrite'::regclass
         AND d.refobjid IN (to_regclass('users'), to_regclass('attendance_events'))
      UNION
      SELECT r.ev_class
        FROM dependent p JOIN pg_depend d ON d.refobjid = p.oid
        JOIN pg_rewrite r ON r.oid = d.objid
       WHERE d.classid = 'pg_rewrite'::regclass AND r.ev_class <> p.oid
    )
    SELECT c.oid::regclass AS view, c.relname, c.relkind
      FROM pg_class c WHERE c.oid IN (SELECT oid FROM dependent) AND c.relkind IN ('v', 'm')
  LOOP
    INSERT INTO legacy.dropped_views (view_name, definition)
      VALUES (v.view::text, pg_get_viewdef(v.view, true))
      ON CONFLICT (view_name) DO NOTHING;
    views := views || v.view;
  END LOOP;
  FOR v IN SELECT c.oid::regclass AS view, c.relkind FROM pg_class c WHERE c.oid = ANY (views) LOOP
    -- CASCADE: a view of a view may already have gone with the one it read.
    EXECUTE format('DROP %s IF EXISTS %s CASCADE',
                   CASE v.relkind WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END, v.view);
  END LOOP;
END $$;

------------------------------------------------------------------------------------------------
-- users: a local copy of auth-service's accounts (synced from tokens and the auth database),
-- plus profiles an admin creates here.
------------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS users (
  id serial PRIMARY KEY,
  name text NOT NULL,
  last_name text NOT NULL,
  username varchar(255),
  status text NOT NULL DEFAULT 'active',
  created_at timestamptz NOT NULL DEFAULT now()
);

DO $$
BEGIN
  -- The first version of the original's 0001 called created_at "timestamp".
  IF EXISTS (SELECT 1 FROM information_schema.columns
              WHERE table_schema = current_schema() AND table_name = 'users'
                AND column_name = 'timestamp')
     AND NOT EXISTS (SELECT 1 FROM information_schema.columns
              WHERE table_schema = current_schema() AND table_name = 'users'
                AND column_name = 'created_at') THEN
    ALTER TABLE users RENAME COLUMN "timestamp" TO created_at;
  END IF;
  IF (SELECT data_type FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = 'users'
         AND column_name = 'created_at') = 'timestamp without time zone' THEN
    ALTER TABLE users ALTER COLUMN created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC';
  END IF;
END $$;

ALTER TABLE users
  ADD COLUMN IF NOT EXISTS username varchar(255),
  ADD COLUMN IF NOT EXISTS role varchar(20) DEFAULT 'user',
  ADD COLUMN IF NOT EXISTS email varchar(255),
  ADD COLUMN IF NOT EXISTS updated_at timestamptz DEFAULT now(),
  -- When the row last came from auth-service; NULL for profiles created through POST /users.
  ADD COLUMN IF NOT EXISTS synced_at timestamptz,
  -- Set when the account no longer exists in auth-service; the row stays for the history.
  ADD COLUMN IF NOT EXISTS deleted_at timestamptz;

-- Every row the original holds came from the auth database (its POST /users always failed).
UPDATE users SET synced_at = COALESCE(updated_at, created_at, now())
 WHERE synced_at IS NULL AND id < 1000000000;
UPDATE users SET created_at = now() WHERE created_at IS NULL;
UPDATE users SET updated_at = created_at WHERE updated_at IS NULL;
-- 0007 of the original wanted 'student', which its own check_role forbids.
UPDATE users SET role = 'user' WHERE role IS NULL OR role NOT IN ('user', 'admin');

ALTER TABLE users
  ALTER COLUMN created_at SET NOT NULL,
  ALTER COLUMN created_at SET DEFAULT now(),
  ALTER COLUMN updated_at SET NOT NULL,
  ALTER COLUMN updated_at SET DEFAULT now(),
  ALTER COLUMN role SET NOT NULL,
  ALTER COLUMN role SET DEFAULT 'user';
ALTER TABLE users DROP CONSTRAINT IF EXISTS check_role;
ALTER TABLE users ADD CONSTRAINT check_role CHECK (role IN ('user', 'admin'));

-- Uniqueness of emails and usernames is auth-service's business. Here it only made the sync
-- fail when an address moved from a deleted account to a new one.
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_key;
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_username_key;
CREATE INDEX IF NOT EXISTS idx_users_email ON users (email);
CREATE INDEX IF NOT EXISTS idx_users_username ON users (username);
CREATE INDEX IF NOT EXISTS idx_users_role ON users (role);

-- Synced rows carry auth-service's ids; profiles created here draw from 1 000 000 000 up, so
-- the two never collide (the original never moved its sequence past synced ids, so its own
-- inserts could take an id auth-service would later give someone else).
SELECT setval(pg_get_serial_sequence('users', 'id'),
              GREATEST(999999999, (SELECT COALESCE(max(id), 0) FROM users)));

------------------------------------------------------------------------------------------------
-- attendance_events
------------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS attendance_events (
  id serial PRIMARY KEY,
  event_id varchar(100) NOT NULL CONSTRAINT attendance_events_event_id_key UNIQUE,
  event_name varchar(255) NOT NULL,
  date date NOT NULL,
  qr_jwt text NOT NULL,
  expires_at timestamptz NOT NULL,
  created_by integer,
  created_at timestamptz DEFAULT now(),
  is_active boolean DEFAULT true
);

DO $$
DECLARE
  col text;
BEGIN
  FOREACH col IN ARRAY ARRAY['expires_at', 'created_at'] LOOP
    IF (SELECT data_type FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = 'attendance_events'
           AND column_name = col) = 'timestamp without time zone' THEN
      EXECUTE format('ALTER TABLE attendance_events ALTER COLUMN %I TYPE timestamptz '
                     'USING %I AT TIME ZONE ''UTC''', col, col);
    END IF;
  END LOOP;
END $$;

-- Counters nothing ever maintained, an image path nothing ever set, and 0013's "timestamp".
ALTER TABLE attendance_events
  DROP COLUMN IF EXISTS total_users,
  DROP COLUMN IF EXISTS present_count,
  DROP COLUMN IF EXISTS scan_success_count,
  DROP COLUMN IF EXISTS scan_error_count,
  DROP COLUMN IF EXISTS last_scan_at,
  DROP COLUMN IF EXISTS system_notes,
  DROP COLUMN IF EXISTS qr_image_path,
  DROP COLUMN IF EXISTS "timestamp";
DROP INDEX IF EXISTS idx_attendance_events_event_id; -- duplicates the unique constraint
DROP INDEX IF EXISTS idx_attendance_events_is_active; -- duplicates idx_attendance_events_active

ALTER TABLE attendance_events
  ADD COLUMN IF NOT EXISTS starts_at timestamptz,
  ADD COLUMN IF NOT EXISTS rotation_seconds integer;

UPDATE attendance_events SET created_at = date::timestamp WHERE created_at IS NULL;
-- The original's QR worked from its creation; its no-start window becomes "from creation".
UPDATE attendance_events SET starts_at = LEAST(created_at, date::timestamp) WHERE starts_at IS NULL;
-- The original could not scan an event whose is_active was NULL.
UPDATE attendance_events SET is_active = false WHERE is_active IS NULL;

ALTER TABLE attendance_events
  ALTER COLUMN starts_at SET NOT NULL,
  ALTER COLUMN created_at SET NOT NULL,
  ALTER COLUMN created_at SET DEFAULT now(),
  ALTER COLUMN is_active SET NOT NULL,
  ALTER COLUMN is_active SET DEFAULT true,
  ADD CONSTRAINT attendance_events_window_check CHECK (starts_at < expires_at),
  ADD CONSTRAINT attendance_events_rotation_check CHECK (rotation_seconds BETWEEN 10 AND 86400);

-- The creator's row may go; the event stays (the original's FK made deleting such users fail).
ALTER TABLE attendance_events DROP CONSTRAINT IF EXISTS attendance_events_created_by_fkey;
ALTER TABLE attendance_events ADD CONSTRAINT attendance_events_created_by_fkey
  FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL;

CREATE INDEX IF NOT EXISTS idx_attendance_events_date ON attendance_events (date);
CREATE INDEX IF NOT EXISTS idx_attendance_events_active ON attendance_events (is_active);
CREATE INDEX IF NOT EXISTS idx_attendance_events_created_by ON attendance_events (created_by);
CREATE INDEX attendance_events_listing_idx ON attendance_events (created_at DESC, id DESC);

------------------------------------------------------------------------------------------------
-- attendance: one row per user and event, for every event (never a table per event).
------------------------------------------------------------------------------------------------
-- An early version of the original had a static "attendance" table (its history and today
-- routes still read it). Keep it in `legacy`; the next migration copies its rows.
DO $$
BEGIN
  IF to_regclass('attendance') IS NOT NULL THEN
    ALTER TABLE attendance SET SCHEMA legacy;
  END IF;
END $$;

CREATE TABLE attendance (
  id bigserial PRIMARY KEY,
  event_id varchar(100) NOT NULL
    REFERENCES attendance_events (event_id) ON UPDATE CASCADE ON DELETE CASCADE,
  user_id integer NOT NULL REFERENCES users (id),
  -- The scanner's names when the row was written (from the token, as the original stored them).
  name varchar(255) NOT NULL,
  surname varchar(255) NOT NULL,
  status varchar(50) NOT NULL DEFAULT 'present' CONSTRAINT attendance_status_check
    CHECK (status IN ('present', 'not_registered', 'hospital', 'family', 'emergency',
                      'vacancy', 'personal')),
  motivazione text,
  -- NULL when an admin set a status for someone who did not scan.
  scanned_at timestamptz,
  updated_by integer REFERENCES users (id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- Makes a double check-in impossible, even for simultaneous scans (the original could record
  -- two: docs/compatibility.md).
  CONSTRAINT attendance_event_user_key UNIQUE (event_id, user_id)
);
CREATE INDEX attendance_user_idx ON attendance (user_id);

------------------------------------------------------------------------------------------------
-- audit_outbox: audit events waiting for delivery to social-log-service (the shared outbox:
-- shared/src/audit/outbox.ts).
------------------------------------------------------------------------------------------------
CREATE TABLE audit_outbox (
  id bigserial PRIMARY KEY,
  event_id uuid NOT NULL UNIQUE,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text
);
CREATE INDEX audit_outbox_due_idx ON audit_outbox (next_attempt_at, id);

-- Down Migration

-- Reverts the port's additions only, and never at the cost of a check-in: with any row in
-- `attendance` it refuses (restore a backup instead: docs/switch-over.md). The `legacy` schema,
-- which holds the original's own tables, is never touched by a migration.
DO $$
DECLARE
  n bigint;
BEGIN
  SELECT count(*) INTO n FROM attendance;
  IF n > 0 THEN
    RAISE EXCEPTION 'attendance holds % check-in(s); a down migration never deletes them: restore a backup instead (docs/switch-over.md)', n;
  END IF;
  SELECT count(*) INTO n FROM audit_outbox;
  IF n > 0 THEN
    RAISE EXCEPTION 'audit_outbox holds % audit event(s) not yet delivered to social-log-service; start the service until they are delivered', n;
  END IF;
END $$;
DROP TABLE IF EXISTS audit_outbox;
DROP TABLE IF EXISTS attendance;
DROP INDEX IF EXISTS attendance_events_listing_idx;
ALTER TABLE attendance_events
  DROP CONSTRAINT IF EXISTS attendance_events_window_check,
  DROP CONSTRAINT IF EXISTS attendance_events_rotation_check,
  DROP COLUMN IF EXISTS starts_at,
  DROP COLUMN IF EXISTS rotation_seconds;
ALTER TABLE users
  DROP COLUMN IF EXISTS synced_at,
  DROP COLUMN IF EXISTS deleted_at;
