-- Up Migration

-- Accounts. Created here on a fresh database; on a database the original left behind, the
-- statements below bring its tables to this shape without losing a row (AUTH §8.3–8.5).
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

-- The original wrote wall-clock UTC into columns without a time zone.
ALTER TABLE users
  ALTER COLUMN created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC',
  ALTER COLUMN last_login TYPE timestamptz USING last_login AT TIME ZONE 'UTC';

-- Username-only accounts have no address: NULL, not '' (only one '' could ever exist).
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_key;
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_username_key;
ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
UPDATE users SET email = NULL WHERE email = '';
UPDATE users SET email = lower(btrim(email)) WHERE email IS NOT NULL;
UPDATE users SET username = 'user' || id WHERE username IS NULL OR username = '';
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

-- Case-insensitive uniqueness (decisions §4).
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username));
CREATE INDEX IF NOT EXISTS idx_users_role ON users (role);
CREATE INDEX IF NOT EXISTS idx_users_last_login ON users (last_login);
CREATE INDEX IF NOT EXISTS users_created_at_idx ON users (created_at DESC, id DESC);

-- Never used by the original's code (AUTH §14).
DROP TABLE IF EXISTS auth_log;

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
UPDATE auth_logs l SET user_id = u.id FROM users u WHERE l.user_id IS NULL AND u.email = l.user_email;
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

-- Audit events waiting for delivery to social-log-service (decisions §6).
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

DROP TABLE audit_outbox;
DROP TABLE revocations;
DROP TABLE refresh_tokens;
DROP TABLE sessions;
DROP INDEX auth_logs_page_idx;
DROP INDEX auth_logs_user_id_idx;
ALTER TABLE auth_logs DROP COLUMN user_id, DROP COLUMN actor_id;
DROP INDEX users_created_at_idx;
DROP INDEX users_username_lower_key;
DROP INDEX users_email_lower_key;
ALTER TABLE users
  DROP CONSTRAINT users_role_check,
  DROP COLUMN failed_logins,
  DROP COLUMN failed_window_started_at,
  DROP COLUMN locked_until;
