-- Up Migration

-- The `legacy` schema and its report tables on a database the port created before they
-- existed (its baseline and copy migrations create them everywhere else), so the service and
-- the switch-over commands can always read them (docs/switch-over.md).
CREATE SCHEMA IF NOT EXISTS legacy;
CREATE TABLE IF NOT EXISTS legacy.dropped_views (
  view_name text PRIMARY KEY,
  definition text NOT NULL,
  dropped_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS legacy.event_tables (
  table_name text PRIMARY KEY,
  event_ids text[] NOT NULL,
  rows bigint NOT NULL,
  moved bigint NOT NULL,
  unmapped bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS legacy.unmapped_rows (
  table_name text NOT NULL,
  row_id integer,
  user_id integer,
  status text,
  scanned_at timestamptz,
  reason text NOT NULL
);

-- Down Migration

-- Nothing: the legacy schema may hold the original's data, which no migration removes.
