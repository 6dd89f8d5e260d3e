/**
 * A database as the original's migrations leave it (USER §6.2), written from that description:
 * `users` and `attendance_events` with every column, constraint and index it lists, the views
 * and functions of §6.3 and §6.5 (bodies reduced to what a drop needs), 0013's fake row, and
 * per-event tables in the shapes of §5.2.
 */
export const ORIGINAL_SCHEMA = `
CREATE TABLE users (
  id serial PRIMARY KEY,
  name text NOT NULL,
  last_name text NOT NULL,
  username varchar(255) UNIQUE,
  status text NOT NULL DEFAULT 'active',
  created_at timestamptz NOT NULL DEFAULT now(),
  role varchar(20) DEFAULT 'user' CONSTRAINT check_role CHECK (role IN ('user', 'admin')),
  email varchar(255) UNIQUE,
  updated_at timestamptz DEFAULT now()
);
CREATE INDEX idx_users_email ON users (email);
CREATE INDEX idx_users_username ON users (username);
CREATE INDEX idx_users_role ON users (role);

CREATE TABLE attendance_events (
  id serial PRIMARY KEY,
  event_id varchar(100) NOT NULL UNIQUE,
  event_name varchar(255) NOT NULL,
  date date NOT NULL,
  qr_jwt text NOT NULL,
  qr_image_path text,
  expires_at timestamp NOT NULL,
  created_by integer REFERENCES users (id),
  created_at timestamp DEFAULT now(),
  is_active boolean DEFAULT true,
  total_users integer DEFAULT 0,
  present_count integer DEFAULT 0,
  scan_success_count integer DEFAULT 0,
  scan_error_count integer DEFAULT 0,
  last_scan_at timestamptz,
  system_notes text,
  "timestamp" timestamp DEFAULT now()
);
CREATE INDEX idx_attendance_events_date ON attendance_events (date);
CREATE INDEX idx_attendance_events_event_id ON attendance_events (event_id);
CREATE INDEX idx_attendance_events_active ON attendance_events (is_active);
CREATE INDEX idx_attendance_events_is_active ON attendance_events (is_active);
CREATE INDEX idx_attendance_events_created_by ON attendance_events (created_by);
CREATE INDEX idx_attendance_events_last_scan ON attendance_events (last_scan_at);
CREATE INDEX idx_attendance_events_timestamp ON attendance_events ("timestamp");

CREATE VIEW event_attendance_stats_automatic AS
  SELECT e.id, e.event_id, e.event_name, e.date, e.created_by,
         u.name || ' ' || u.last_name AS creator_name, e.total_users, e.present_count
    FROM attendance_events e LEFT JOIN users u ON u.id = e.created_by;
CREATE VIEW automatic_qr_admin_monitoring AS
  SELECT e.id AS event_id, e.event_name, e.last_scan_at, e.system_notes FROM attendance_events e;

CREATE FUNCTION populate_event_users_automatic(event_table_name text) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN RETURN; END $$;
CREATE FUNCTION create_attendance_table_automatic(table_name text) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN RETURN; END $$;
CREATE FUNCTION populate_automatic_event_users(event_table_name text) RETURNS integer
  LANGUAGE plpgsql AS $$ BEGIN RETURN 0; END $$;
CREATE FUNCTION setup_automatic_attendance_event(event_table_name text) RETURNS text
  LANGUAGE plpgsql AS $$ BEGIN RETURN ''; END $$;
CREATE FUNCTION update_event_statistics(event_table_name text, event_id integer) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN RETURN; END $$;
CREATE FUNCTION track_qr_scan_result(event_id integer, scan_success boolean,
                                     error_message text DEFAULT NULL) RETURNS void
  LANGUAGE plpgsql AS $$ BEGIN RETURN; END $$;
`;

/** The per-event table the live code created (USER §5.2), under the name it derived. */
export function liveEventTable(name: string): string {
  return `
CREATE TABLE IF NOT EXISTS ${name} (
  id serial PRIMARY KEY,
  user_id integer NOT NULL REFERENCES users (id) UNIQUE,
  name varchar(255) NOT NULL,
  surname varchar(255) NOT NULL,
  scanned_at timestamptz,
  "timestamp" timestamp,
  status varchar(50) DEFAULT 'present' CHECK (status IN ('present', 'not_registered', 'hospital',
    'family', 'emergency', 'vacancy', 'personal')),
  motivazione text,
  updated_by integer REFERENCES users (id),
  updated_at timestamptz DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_${name}_user_id ON ${name} (user_id);
CREATE INDEX IF NOT EXISTS idx_${name}_scanned_at ON ${name} (scanned_at);`;
}

/** A table made by 0012's function: 2 statuses, pre-filled with every user (USER §5.2). */
export function prefilledEventTable(name: string): string {
  return `
CREATE TABLE ${name} (
  id serial PRIMARY KEY,
  user_id integer REFERENCES users (id),
  name varchar(255),
  surname varchar(255),
  status varchar(50) DEFAULT 'not_registered'
    CONSTRAINT chk_${name}_status CHECK (status IN ('present', 'not_registered')),
  scanned_at timestamptz,
  updated_at timestamptz DEFAULT now()
);
INSERT INTO ${name} (user_id, name, surname, status, updated_at)
  SELECT id, name, last_name, 'not_registered', '2025-06-09 07:00:00+00' FROM users ORDER BY name;`;
}
