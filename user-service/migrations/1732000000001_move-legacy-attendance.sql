-- Up Migration

-- Moves the data of a database the original left behind (USER §5.2, §6) into the one
-- `attendance` table (decisions §5): every per-event `attendance_<id>` table, whatever its
-- generation's shape, and the rows of the early static table; then drops the original's dead
-- functions. On a fresh database there is nothing to move and this does nothing.

SET LOCAL timezone = 'UTC';

DO $$
DECLARE
  ev record;
  tbl record;
  legacy_name text;
  cols text[];
  scanned text;
  status_expr text;
  moved bigint;
BEGIN
  -- The table name the original derived from each event id, cut at 63 bytes as PostgreSQL
  -- cut unquoted identifiers (so several events may share one table: D-B5).
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
    SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind = 'r'
       AND c.relname LIKE 'attendance\_%'
       AND c.relname NOT IN ('attendance_events', 'attendance_legacy_static')
  LOOP
    SELECT array_agg(attname::text) INTO cols FROM pg_attribute
     WHERE attrelid = tbl.oid AND attnum > 0 AND NOT attisdropped;
    IF NOT EXISTS (SELECT 1 FROM legacy_event_tables WHERE table_name = tbl.relname)
       OR NOT 'user_id' = ANY (cols) THEN
      RAISE NOTICE 'left in place: % (no event of the original maps to it)', tbl.relname;
      CONTINUE;
    END IF;

    scanned := CASE
      WHEN 'scanned_at' = ANY (cols) AND 'timestamp' = ANY (cols)
        THEN 'COALESCE(t.scanned_at, t."timestamp")::timestamptz'
      WHEN 'scanned_at' = ANY (cols) THEN 't.scanned_at::timestamptz'
      WHEN 'timestamp' = ANY (cols) THEN 't."timestamp"::timestamptz'
      ELSE 'NULL::timestamptz' END;
    -- Legacy tables allowed NULL; the original reported it as not_registered (USER §5.8).
    status_expr := CASE WHEN 'status' = ANY (cols) THEN
      'CASE WHEN t.status IN (''present'', ''not_registered'', ''hospital'', ''family'', '
      '''emergency'', ''vacancy'', ''personal'') THEN t.status ELSE ''not_registered'' END'
      ELSE format('CASE WHEN %s IS NULL THEN ''not_registered'' ELSE ''present'' END', scanned)
      END;

    -- A check-in must survive even if its user row was somehow lost.
    EXECUTE format(
      'INSERT INTO users (id, name, last_name, status, synced_at)
       SELECT DISTINCT ON (t.user_id) t.user_id, %s, %s, ''active'', now()
         FROM %I t WHERE t.user_id IS NOT NULL ORDER BY t.user_id
       ON CONFLICT (id) DO NOTHING',
      CASE WHEN 'name' = ANY (cols) THEN 'COALESCE(t.name, ''Unknown'')' ELSE '''Unknown''' END,
      CASE WHEN 'surname' = ANY (cols) THEN 'COALESCE(t.surname, ''User'')' ELSE '''User''' END,
      tbl.relname);

    -- Each row goes to the newest event (of those sharing the table) created before the scan.
    EXECUTE format(
      'INSERT INTO attendance (event_id, user_id, name, surname, status, motivazione,
                               scanned_at, updated_by, updated_at)
       SELECT DISTINCT ON (ev.event_id, src.user_id)
              ev.event_id, src.user_id, src.name, src.surname, src.status, src.motivazione,
              src.scanned_at, src.updated_by, src.updated_at
         FROM (SELECT t.user_id,
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
               LIMIT 1) ev
        ORDER BY ev.event_id, src.user_id, src.scanned_at DESC NULLS LAST, src.updated_at DESC
       ON CONFLICT (event_id, user_id) DO NOTHING',
      CASE WHEN 'name' = ANY (cols) THEN 't.name' ELSE 'NULL' END,
      CASE WHEN 'surname' = ANY (cols) THEN 't.surname' ELSE 'NULL' END,
      status_expr,
      CASE WHEN 'motivazione' = ANY (cols) THEN 't.motivazione::text' ELSE 'NULL' END,
      scanned,
      CASE WHEN 'updated_by' = ANY (cols) THEN 't.updated_by' ELSE 'NULL::integer' END,
      CASE WHEN 'updated_at' = ANY (cols) THEN 't.updated_at::timestamptz' ELSE 'NULL' END,
      scanned,
      tbl.relname, tbl.relname);
    GET DIAGNOSTICS moved = ROW_COUNT;
    RAISE NOTICE 'moved % row(s) from % into attendance', moved, tbl.relname;
    EXECUTE format('DROP TABLE %I CASCADE', tbl.relname);
  END LOOP;

  -- The static table's rows, where their event still exists (per-event rows win).
  IF to_regclass('attendance_legacy_static') IS NOT NULL THEN
    SELECT array_agg(attname::text) INTO cols FROM pg_attribute
     WHERE attrelid = to_regclass('attendance_legacy_static') AND attnum > 0 AND NOT attisdropped;
    IF 'user_id' = ANY (cols) AND 'event_id' = ANY (cols) THEN
      EXECUTE format(
        'INSERT INTO attendance (event_id, user_id, name, surname, status, motivazione,
                                 scanned_at, updated_at)
         SELECT DISTINCT ON (s.event_id, s.user_id) s.event_id, s.user_id,
                left(u.name, 255), left(u.last_name, 255), s.status, s.motivazione,
                CASE WHEN s.status = ''present'' THEN s.at END, COALESCE(s.at, now())
           FROM (SELECT t.event_id::text AS event_id, t.user_id,
                        CASE %1$s WHEN ''presente'' THEN ''present'' WHEN ''present'' THEN ''present''
                          WHEN ''vacation'' THEN ''vacancy'' WHEN ''vacancy'' THEN ''vacancy''
                          WHEN ''sick'' THEN ''hospital'' WHEN ''hospital'' THEN ''hospital''
                          WHEN ''family'' THEN ''family'' WHEN ''emergency'' THEN ''emergency''
                          WHEN ''personal'' THEN ''personal'' WHEN ''business'' THEN ''personal''
                          WHEN ''other'' THEN ''personal'' ELSE ''not_registered'' END AS status,
                        COALESCE(%2$s, CASE WHEN %1$s IN (''sick'', ''business'', ''other'')
                                            THEN %1$s END) AS motivazione,
                        %3$s AS at
                   FROM attendance_legacy_static t) s
           JOIN attendance_events e ON e.event_id = s.event_id
           JOIN users u ON u.id = s.user_id
          ORDER BY s.event_id, s.user_id, s.at DESC NULLS LAST
         ON CONFLICT (event_id, user_id) DO NOTHING',
        CASE WHEN 'status' = ANY (cols) THEN 't.status::text' ELSE 'NULL::text' END,
        CASE WHEN 'motivazione' = ANY (cols) THEN 't.motivazione::text' ELSE 'NULL::text' END,
        CASE WHEN 'timestamp' = ANY (cols) THEN 't."timestamp"::timestamptz'
             ELSE 'NULL::timestamptz' END);
    END IF;
  END IF;
END $$;

-- The original's SQL functions: unused, two of them broken (USER §6.5), and the trigger helpers
-- its 0009/0012 left behind.
DO $$
DECLARE
  fn regprocedure;
BEGIN
  FOR fn IN
    SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = current_schema()
       AND p.proname IN ('populate_event_users_automatic', 'create_attendance_table_automatic',
                         'populate_automatic_event_users', 'setup_automatic_attendance_event',
                         'update_event_statistics', 'track_qr_scan_result',
                         'auto_set_present_on_scan', 'update_status_on_scan',
                         'create_attendance_trigger', 'create_attendance_trigger_no_autoset',
                         'setup_new_attendance_table', 'add_attendance_performance_indexes',
                         'populate_event_users', 'update_attendance_status_column')
  LOOP
    EXECUTE format('DROP FUNCTION %s CASCADE', fn);
  END LOOP;
END $$;

-- Down Migration

-- Nothing to undo: the per-event tables are gone for good (the data lives on in `attendance`).
