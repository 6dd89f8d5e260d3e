-- Up Migration

-- Copies the check-ins of a database the original left behind into the one `attendance` table:
-- every per-event `attendance_<event>` table, whatever generation of the original made it, and
-- the rows of its early static table. Nothing is dropped: each of those tables moves, as it was,
-- into the read-only `legacy` schema, and `legacy.event_tables` / `legacy.unmapped_rows` say
-- what went where and what could not go anywhere (docs/switch-over.md). On a fresh database
-- there is nothing to copy and this only creates the (empty) report tables.

SET LOCAL timezone = 'UTC';

-- One row per table of the original found here: the events it maps to (several when their
-- table names were cut to the same 63 bytes, none when no event maps to it), how many rows it
-- held, how many went into `attendance`, how many did not.
CREATE TABLE IF NOT EXISTS legacy.event_tables (
  table_name text PRIMARY KEY,
  event_ids text[] NOT NULL,
  rows bigint NOT NULL,
  moved bigint NOT NULL,
  unmapped bigint NOT NULL
);

-- Every row that did not go into `attendance`, and why: `no_event` (no event maps to its
-- table), `no_user` (no user id), `superseded` (another row of the same user and event was
-- newer).
CREATE TABLE IF NOT EXISTS legacy.unmapped_rows (
  table_name text NOT NULL,
  row_id integer,
  user_id integer,
  status text,
  scanned_at timestamptz,
  reason text NOT NULL
);

-- The tables kept in `legacy` are the original's record; nothing may change them. (Dropping
-- the schema is a separate, explicit command: npm run drop-legacy -w user-service.)
CREATE OR REPLACE FUNCTION legacy.refuse_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'legacy.% is the original''s data, kept read-only (docs/switch-over.md)',
    TG_TABLE_NAME;
END $$;

DO $$
DECLARE
  ev record;
  tbl record;
  fk record;
  legacy_name text;
  mapped text[];
  cols text[];
  scanned text;
  status_expr text;
  reason_expr text;
  row_id text;
  total bigint;
  moved bigint;
BEGIN
  -- The table name the original derived from each event id: `attendance_` and the id with
  -- `-` turned into `_`, cut at 63 bytes as PostgreSQL cuts unquoted identifiers (so several
  -- events may share one table).
  CREATE TEMP TABLE legacy_event_tables (event_id text, created_at timestamptz, table_name text)
    ON COMMIT DROP;
  FOR ev IN SELECT event_id, created_at FROM attendance_events LOOP
    legacy_name := 'attendance_' || replace(ev.event_id, '-', '_');
    WHILE octet_length(legacy_name) > 63 LOOP
      legacy_name := left(legacy_name, -1);
    END LOOP;
    INSERT INTO legacy_event_tables VALUES (ev.event_id, ev.created_at, legacy_name);
  END LOOP;

  FOR tbl IN
    SELECT c.oid, c.relname FROM pg_class c
     WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
       AND c.relname LIKE 'attendance\_%' AND c.relname <> 'attendance_events'
     ORDER BY c.relname
  LOOP
    SELECT array_agg(attname::text) INTO cols FROM pg_attribute
     WHERE attrelid = tbl.oid AND attnum > 0 AND NOT attisdropped;
    SELECT COALESCE(array_agg(l.event_id ORDER BY l.created_at, l.event_id), '{}') INTO mapped
      FROM legacy_event_tables l WHERE l.table_name = tbl.relname;
    EXECUTE format('SELECT count(*) FROM %I', tbl.relname) INTO total;
    moved := 0;

    scanned := CASE
      WHEN 'scanned_at' = ANY (cols) AND 'timestamp' = ANY (cols)
        THEN 'COALESCE(t.scanned_at, t."timestamp")::timestamptz'
      WHEN 'scanned_at' = ANY (cols) THEN 't.scanned_at::timestamptz'
      WHEN 'timestamp' = ANY (cols) THEN 't."timestamp"::timestamptz'
      ELSE 'NULL::timestamptz' END;
    row_id := CASE WHEN 'id' = ANY (cols) THEN 't.id::integer' ELSE 'NULL::integer' END;

    IF cardinality(mapped) = 0 OR NOT 'user_id' = ANY (cols) THEN
      EXECUTE format(
        'INSERT INTO legacy.unmapped_rows (table_name, row_id, user_id, status, scanned_at, reason)
         SELECT %L, %s, %s, %s, %s, %L FROM %I t',
        tbl.relname, row_id,
        CASE WHEN 'user_id' = ANY (cols) THEN 't.user_id::integer' ELSE 'NULL::integer' END,
        CASE WHEN 'status' = ANY (cols) THEN 't.status::text' ELSE 'NULL::text' END,
        scanned, CASE WHEN cardinality(mapped) = 0 THEN 'no_event' ELSE 'no_user' END,
        tbl.relname);
    ELSE
      -- The live tables' seven statuses stay. The code before 0008 stored the statuses its
      -- scanners chose from another set (`presente`, `vacation`, `sick`, `business`, `other`):
      -- each becomes its equivalent, with the original word kept as the reason where the new
      -- status alone would lose it. NULL (legacy tables allowed it) or anything else is
      -- not_registered, as the original reported it; the legacy copy keeps the original text.
      status_expr := CASE WHEN 'status' = ANY (cols) THEN
        'CASE WHEN t.status IN (''present'', ''not_registered'', ''hospital'', ''family'', '
        '''emergency'', ''vacancy'', ''personal'') THEN t.status '
        'WHEN t.status = ''presente'' THEN ''present'' WHEN t.status = ''vacation'' THEN ''vacancy'' '
        'WHEN t.status = ''sick'' THEN ''hospital'' '
        'WHEN t.status IN (''business'', ''other'') THEN ''personal'' ELSE ''not_registered'' END'
        ELSE format('CASE WHEN %s IS NULL THEN ''not_registered'' ELSE ''present'' END', scanned)
        END;
      -- An empty reason is none (the original's replies left it out).
      reason_expr := CASE
        WHEN 'status' = ANY (cols) AND 'motivazione' = ANY (cols)
          THEN 'COALESCE(NULLIF(t.motivazione::text, ''''), CASE WHEN t.status IN (''sick'', ''business'', ''other'') THEN t.status::text END)'
        WHEN 'status' = ANY (cols)
          THEN 'CASE WHEN t.status IN (''sick'', ''business'', ''other'') THEN t.status::text END'
        WHEN 'motivazione' = ANY (cols) THEN 'NULLIF(t.motivazione::text, '''')'
        ELSE 'NULL::text' END;

      -- A check-in must survive even if its user row was somehow lost.
      EXECUTE format(
        'INSERT INTO users (id, name, last_name, status, synced_at)
         SELECT DISTINCT ON (t.user_id) t.user_id, %s, %s, ''active'', now()
           FROM %I t WHERE t.user_id IS NOT NULL ORDER BY t.user_id
         ON CONFLICT (id) DO NOTHING',
        CASE WHEN 'name' = ANY (cols) THEN 'COALESCE(t.name, ''Unknown'')' ELSE '''Unknown''' END,
        CASE WHEN 'surname' = ANY (cols) THEN 'COALESCE(t.surname, ''User'')' ELSE '''User''' END,
        tbl.relname);

      -- Each row goes to the newest event (of those sharing the table) created before the
      -- scan, or to the oldest when it predates them all.
      EXECUTE format(
        'CREATE TEMP TABLE legacy_source ON COMMIT DROP AS
         SELECT src.*, ev.event_id, false AS chosen
           FROM (SELECT t.ctid AS src, %s AS row_id, t.user_id,
                        left(COALESCE(%s, u.name, ''Unknown''), 255) AS name,
                        left(COALESCE(%s, u.last_name, ''User''), 255) AS surname,
                        %s AS status, %s AS motivazione, %s AS scanned_at,
                        (SELECT id FROM users WHERE id = %s) AS updated_by,
                        COALESCE(%s, %s, now()) AS updated_at
                   FROM %I t LEFT JOIN users u ON u.id = t.user_id
                  WHERE t.user_id IS NOT NULL) src
          CROSS JOIN LATERAL (
                SELECT l.event_id FROM legacy_event_tables l
                 WHERE l.table_name = %L
                 ORDER BY (l.created_at <= COALESCE(src.scanned_at, src.updated_at)) DESC,
                          CASE WHEN l.created_at <= COALESCE(src.scanned_at, src.updated_at)
                               THEN l.created_at END DESC NULLS LAST,
                          l.created_at
                 LIMIT 1) ev',
        row_id,
        CASE WHEN 'name' = ANY (cols) THEN 't.name' ELSE 'NULL' END,
        CASE WHEN 'surname' = ANY (cols) THEN 't.surname' ELSE 'NULL' END,
        status_expr,
        reason_expr,
        scanned,
        CASE WHEN 'updated_by' = ANY (cols) THEN 't.updated_by' ELSE 'NULL::integer' END,
        CASE WHEN 'updated_at' = ANY (cols) THEN 't.updated_at::timestamptz' ELSE 'NULL' END,
        scanned,
        tbl.relname, tbl.relname);

      -- One row per user and event: the latest scan wins (the original's tables allowed one
      -- row per user, but its oldest ones had no such constraint).
      UPDATE legacy_source s SET chosen = true
       WHERE s.src IN (SELECT DISTINCT ON (c.event_id, c.user_id) c.src FROM legacy_source c
                        ORDER BY c.event_id, c.user_id, c.scanned_at DESC NULLS LAST,
                                 c.updated_at DESC)
         AND NOT EXISTS (SELECT 1 FROM attendance a
                          WHERE a.event_id = s.event_id AND a.user_id = s.user_id);
      INSERT INTO attendance (event_id, user_id, name, surname, status, motivazione,
                              scanned_at, updated_by, updated_at)
      SELECT s.event_id, s.user_id, s.name, s.surname, s.status, s.motivazione,
             s.scanned_at, s.updated_by, s.updated_at
        FROM legacy_source s WHERE s.chosen;
      GET DIAGNOSTICS moved = ROW_COUNT;

      -- What did not go in: rows without a user, and rows beaten by a newer one of the same
      -- user and event.
      EXECUTE format(
        'INSERT INTO legacy.unmapped_rows (table_name, row_id, user_id, status, scanned_at, reason)
         SELECT %L, %s, NULL, %s, %s, ''no_user'' FROM %I t WHERE t.user_id IS NULL',
        tbl.relname, row_id,
        CASE WHEN 'status' = ANY (cols) THEN 't.status::text' ELSE 'NULL::text' END,
        scanned, tbl.relname);
      INSERT INTO legacy.unmapped_rows (table_name, row_id, user_id, status, scanned_at, reason)
      SELECT tbl.relname, s.row_id, s.user_id, s.status, s.scanned_at, 'superseded'
        FROM legacy_source s WHERE NOT s.chosen;
      DROP TABLE legacy_source;
    END IF;

    INSERT INTO legacy.event_tables (table_name, event_ids, rows, moved, unmapped)
    VALUES (tbl.relname, mapped, total, moved, total - moved);

    -- Kept as it was, minus its foreign keys: users may be deleted later, and the legacy copy
    -- must not stand in the way.
    FOR fk IN SELECT conname FROM pg_constraint WHERE conrelid = tbl.oid AND contype = 'f' LOOP
      EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', tbl.relname, fk.conname);
    END LOOP;
    EXECUTE format('ALTER TABLE %I SET SCHEMA legacy', tbl.relname);
    EXECUTE format('CREATE TRIGGER legacy_read_only BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE
                    ON legacy.%I FOR EACH STATEMENT EXECUTE FUNCTION legacy.refuse_changes()',
                   tbl.relname);
    RAISE NOTICE 'copied % of % row(s) of % into attendance; the table is kept as legacy.%',
      moved, total, tbl.relname, tbl.relname;
  END LOOP;

  -- The early static table's rows, where their event still exists (per-event rows win).
  IF to_regclass('legacy.attendance') IS NOT NULL THEN
    SELECT array_agg(attname::text) INTO cols FROM pg_attribute
     WHERE attrelid = to_regclass('legacy.attendance') AND attnum > 0 AND NOT attisdropped;
    SELECT count(*) INTO total FROM legacy.attendance;
    moved := 0;
    IF 'user_id' = ANY (cols) AND 'event_id' = ANY (cols) THEN
      EXECUTE format(
        'CREATE TEMP TABLE legacy_source ON COMMIT DROP AS
         SELECT t.ctid AS src, %4$s AS row_id, t.event_id::text AS event_id, t.user_id,
                CASE %1$s WHEN ''presente'' THEN ''present'' WHEN ''present'' THEN ''present''
                  WHEN ''vacation'' THEN ''vacancy'' WHEN ''vacancy'' THEN ''vacancy''
                  WHEN ''sick'' THEN ''hospital'' WHEN ''hospital'' THEN ''hospital''
                  WHEN ''family'' THEN ''family'' WHEN ''emergency'' THEN ''emergency''
                  WHEN ''personal'' THEN ''personal'' WHEN ''business'' THEN ''personal''
                  WHEN ''other'' THEN ''personal'' ELSE ''not_registered'' END AS status,
                %1$s AS original_status,
                COALESCE(NULLIF(%2$s, ''''), CASE WHEN %1$s IN (''sick'', ''business'', ''other'')
                                    THEN %1$s END) AS motivazione,
                %3$s AS at,
                NULL::text AS reason
           FROM legacy.attendance t',
        CASE WHEN 'status' = ANY (cols) THEN 't.status::text' ELSE 'NULL::text' END,
        CASE WHEN 'motivazione' = ANY (cols) THEN 't.motivazione::text' ELSE 'NULL::text' END,
        CASE WHEN 'timestamp' = ANY (cols) THEN 't."timestamp"::timestamptz'
             ELSE 'NULL::timestamptz' END,
        CASE WHEN 'id' = ANY (cols) THEN 't.id::integer' ELSE 'NULL::integer' END);
      -- Per-event rows win over the static table's (the later system's record).
      UPDATE legacy_source s SET reason = CASE
          WHEN s.user_id IS NULL OR NOT EXISTS (SELECT 1 FROM users u WHERE u.id = s.user_id)
            THEN 'no_user'
          WHEN NOT EXISTS (SELECT 1 FROM attendance_events e WHERE e.event_id = s.event_id)
            THEN 'no_event'
          WHEN EXISTS (SELECT 1 FROM attendance a
                        WHERE a.event_id = s.event_id AND a.user_id = s.user_id)
            THEN 'superseded' END;
      UPDATE legacy_source s SET reason = 'superseded'
       WHERE s.reason IS NULL
         AND s.src NOT IN (SELECT DISTINCT ON (c.event_id, c.user_id) c.src FROM legacy_source c
                            WHERE c.reason IS NULL
                            ORDER BY c.event_id, c.user_id, c.at DESC NULLS LAST);
      INSERT INTO attendance (event_id, user_id, name, surname, status, motivazione,
                              scanned_at, updated_at)
      SELECT s.event_id, s.user_id, left(u.name, 255), left(u.last_name, 255), s.status,
             s.motivazione, CASE WHEN s.status = 'present' THEN s.at END, COALESCE(s.at, now())
        FROM legacy_source s JOIN users u ON u.id = s.user_id
       WHERE s.reason IS NULL;
      GET DIAGNOSTICS moved = ROW_COUNT;
      INSERT INTO legacy.unmapped_rows (table_name, row_id, user_id, status, scanned_at, reason)
      SELECT 'attendance', s.row_id, s.user_id, s.original_status,
             CASE WHEN s.status = 'present' THEN s.at END, s.reason
        FROM legacy_source s WHERE s.reason IS NOT NULL;
      mapped := ARRAY(SELECT DISTINCT s.event_id FROM legacy_source s
                       WHERE s.reason IS DISTINCT FROM 'no_event' ORDER BY 1);
      DROP TABLE legacy_source;
    ELSE
      mapped := '{}';
      INSERT INTO legacy.unmapped_rows (table_name, row_id, user_id, status, scanned_at, reason)
      SELECT 'attendance', NULL, NULL, NULL, NULL, 'no_event' FROM legacy.attendance;
    END IF;
    INSERT INTO legacy.event_tables (table_name, event_ids, rows, moved, unmapped)
    VALUES ('attendance', mapped, total, moved, total - moved)
    ON CONFLICT (table_name) DO NOTHING;
    FOR fk IN SELECT conname FROM pg_constraint
               WHERE conrelid = to_regclass('legacy.attendance') AND contype = 'f' LOOP
      EXECUTE format('ALTER TABLE legacy.attendance DROP CONSTRAINT %I', fk.conname);
    END LOOP;
    CREATE TRIGGER legacy_read_only BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE
      ON legacy.attendance FOR EACH STATEMENT EXECUTE FUNCTION legacy.refuse_changes();
  END IF;

  -- The "Daily Attendance Check" rows the original's last migration invented (one per day it
  -- ran, with a fake token) are not events; the copy in legacy.original_attendance_events
  -- keeps them. One that somebody really checked in to stays.
  DELETE FROM attendance_events e
   WHERE e.qr_jwt = 'sample.jwt.token.for.analytics'
     AND e.event_name = 'Daily Attendance Check'
     AND NOT EXISTS (SELECT 1 FROM attendance a WHERE a.event_id = e.event_id);
END $$;

-- The original's SQL functions: unused by its live code, two of them broken, and the trigger
-- helpers of its earlier migrations. Code, not data: the copies of its tables do not need them.
DO $$
DECLARE
  fn regprocedure;
BEGIN
  FOR fn IN
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = current_schema()::regnamespace
       AND p.proname IN ('populate_event_users_automatic', 'create_attendance_table_automatic',
                         'populate_automatic_event_users', 'setup_automatic_attendance_event',
                         'update_event_statistics', 'track_qr_scan_result',
                         'auto_set_present_on_scan', 'update_status_on_scan',
                         'create_attendance_trigger', 'create_attendance_trigger_no_autoset',
                         'setup_new_attendance_table', 'add_attendance_performance_indexes',
                         'populate_event_users', 'update_attendance_status_column',
                         'update_attendance_tables_for_automatic_system',
                         'ensure_name_surname_columns')
  LOOP
    EXECUTE format('DROP FUNCTION %s CASCADE', fn);
  END LOOP;
END $$;

-- Down Migration

-- Nothing to undo that would not lose data: the check-ins stay in `attendance` and the
-- original's tables in `legacy`. Going back to the original is restoring its backup
-- (docs/switch-over.md).
