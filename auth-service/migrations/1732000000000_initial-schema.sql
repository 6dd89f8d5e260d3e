-- Up Migration

-- Accounts. Created here on a fresh database; on a database the original left behind, the
-- statements below bring its tables to this shape without losing a row. E-mails, accounts
-- that collide and uniqueness are the next migration's work.
CREATE TABLE IF NOT EXISTS users (
  id serial PRIMARY KEY,
  email varchar(255),
  username varchar(100),
  password varchar(255) NOT NULL,
  role varchar(50) NOT NULL DEFAULT 'user',
  name varchar(100),
  surname varchar(100),
  last_login timestamp,
  created_at timestamp DEFAULT now()
);

-- The original wrote wall-clock UTC into columns without a time zone. The oldest databases
-- had created_at with a time zone already: converting that again would shift it by the
-- session's offset, so only columns still without one are converted.
DO $$
DECLARE
  col text;
BEGIN
  FOREACH col IN ARRAY ARRAY['created_at', 'last_login'] LOOP
    IF (SELECT c.data_type FROM information_schema.columns c
         WHERE c.table_schema = current_schema() AND c.table_name = 'users'
           AND c.column_name = col) = 'timestamp without time zone' THEN
      EXECUTE format('ALTER TABLE users ALTER COLUMN %I TYPE timestamptz USING %I AT TIME ZONE %L',
                     col, col, 'UTC');
    END IF;
  END LOOP;
END $$;

-- Username-only accounts have no address: NULL, not '' (only one '' could ever exist).
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_key;
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_username_key;
ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
UPDATE users SET email = NULL WHERE email = '';

-- Accounts without a username get user<id>, or user<id>_<n> when another account has that
-- name or address already, in any case: a generated name never makes a conflict. ('' was never
-- usable: the original refused an empty identifier.)
DO $$
DECLARE
  account record;
  candidate text;
  attempt integer;
BEGIN
  FOR account IN SELECT id FROM users WHERE username IS NULL OR username = '' ORDER BY id LOOP
    candidate := 'user' || account.id;
    attempt := 0;
    WHILE EXISTS (SELECT 1 FROM users
                   WHERE lower(username) = lower(candidate) OR lower(email) = lower(candidate)) LOOP
      attempt := attempt + 1;
      candidate := 'user' || account.id || '_' || attempt;
    END LOOP;
    UPDATE users SET username = candidate WHERE id = account.id;
  END LOOP;
END $$;

-- The original could not read a NULL name or surname at login: such accounts never got in.
UPDATE users SET name = '' WHERE name IS NULL;
UPDATE users SET surname = '' WHERE surname IS NULL;
UPDATE users SET created_at = now() WHERE created_at IS NULL;
UPDATE users SET role = 'user' WHERE role NOT IN ('user', 'admin');
ALTER TABLE users
  ALTER COLUMN username SET NOT NULL,
  ALTER COLUMN name SET NOT NULL,
  ALTER COLUMN surname SET NOT NULL,
  ALTER COLUMN created_at SET NOT NULL,
  ALTER COLUMN created_at SET DEFAULT now(),
  ADD CONSTRAINT users_role_check CHECK (role IN ('user', 'admin')),
  ADD COLUMN IF NOT EXISTS failed_logins integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS failed_window_started_at timestamptz,
  ADD COLUMN IF NOT EXISTS locked_until timestamptz;

CREATE INDEX IF NOT EXISTS idx_users_role ON users (role);
CREATE INDEX IF NOT EXISTS idx_users_last_login ON users (last_login);
CREATE INDEX IF NOT EXISTS users_created_at_idx ON users (created_at DESC, id DESC);

-- A table the original created and never used: dropped only when nothing was put in it.
DO $$
BEGIN
  IF to_regclass('auth_log') IS NOT NULL THEN
    IF NOT EXISTS (SELECT 1 FROM auth_log) THEN
      DROP TABLE auth_log;
    END IF;
  END IF;
END $$;

-- Every login attempt, registration and account change.
CREATE TABLE IF NOT EXISTS auth_logs (
  id serial PRIMARY KEY,
  user_email varchar(255) NOT NULL,
  username varchar(255),
  action varchar(64) NOT NULL,
  ip_address varchar(64),
  user_agent text,
  success boolean NOT NULL,
  "timestamp" timestamptz DEFAULT now()
);
ALTER TABLE auth_logs
  ADD COLUMN IF NOT EXISTS username varchar(255),
  ADD COLUMN IF NOT EXISTS ip_address varchar(64),
  ADD COLUMN IF NOT EXISTS user_agent text,
  ADD COLUMN IF NOT EXISTS success boolean,
  ADD COLUMN IF NOT EXISTS user_id integer,
  ADD COLUMN IF NOT EXISTS actor_id integer;
UPDATE auth_logs SET success = true WHERE success IS NULL;
UPDATE auth_logs SET "timestamp" = now() WHERE "timestamp" IS NULL;
-- By the e-mail exactly as the original stored it (the next migration normalises it); a
-- failure for an unknown identifier was nobody's.
UPDATE auth_logs l SET user_id = u.id FROM users u
 WHERE l.user_id IS NULL AND u.email = l.user_email AND l.action <> 'login_failed_user_not_found';
ALTER TABLE auth_logs
  ALTER COLUMN success SET NOT NULL,
  ALTER COLUMN "timestamp" SET NOT NULL,
  ALTER COLUMN "timestamp" SET DEFAULT now();
CREATE INDEX IF NOT EXISTS idx_auth_logs_user_email ON auth_logs (user_email);
CREATE INDEX IF NOT EXISTS idx_auth_logs_action ON auth_logs (action);
CREATE INDEX IF NOT EXISTS idx_auth_logs_timestamp ON auth_logs ("timestamp");
CREATE INDEX auth_logs_user_id_idx ON auth_logs (user_id, "timestamp" DESC);
CREATE INDEX auth_logs_page_idx ON auth_logs ("timestamp" DESC, id DESC);

-- A login session: what a refresh token renews and a logout ends.
CREATE TABLE sessions (
  id uuid PRIMARY KEY,
  user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  identifier varchar(255) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  revoked_reason varchar(32),
  ip_address varchar(64),
  user_agent text
);
CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL;

-- Every refresh token ever issued, by SHA-256 of its value; a used one presented again is a
-- theft signal (reuse detection).
CREATE TABLE refresh_tokens (
  token_hash bytea PRIMARY KEY,
  session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  used_at timestamptz
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

-- The revocation feed the gateway polls. Rows outlive their session (a deleted user's sessions
-- are gone, but their access tokens must still be refused until they expire).
CREATE TABLE revocations (
  id bigserial PRIMARY KEY,
  session_id uuid NOT NULL,
  user_id integer NOT NULL,
  reason varchar(32) NOT NULL,
  revoked_at timestamptz NOT NULL DEFAULT now(),
  -- After this the revoked session's access tokens have expired anyway.
  relevant_until timestamptz NOT NULL
);
CREATE INDEX revocations_relevant_idx ON revocations (relevant_until);

-- Audit events waiting for delivery to social-log-service (kept by the down migration, so
-- created only when missing).
CREATE TABLE IF NOT EXISTS audit_outbox (
  id bigserial PRIMARY KEY,
  event_id uuid NOT NULL UNIQUE,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text
);
CREATE INDEX IF NOT EXISTS audit_outbox_due_idx ON audit_outbox (next_attempt_at, id);

-- Down Migration

-- Never removes an account or anything logged: the log's added columns (who, and which
-- admin) and audit events not yet delivered stay.
DROP TABLE revocations;
DROP TABLE refresh_tokens;
DROP TABLE sessions;
DROP INDEX auth_logs_page_idx;
DROP INDEX auth_logs_user_id_idx;
DROP INDEX users_created_at_idx;
ALTER TABLE users
  DROP CONSTRAINT users_role_check,
  DROP COLUMN failed_logins,
  DROP COLUMN failed_window_started_at,
  DROP COLUMN locked_until;
