-- Up Migration

-- Where a session was last used from: written at sign-in and at every refresh, so that the
-- list of signed-in devices (GET /sessions) shows each device's latest address and browser.
-- ip_address and user_agent keep what the session was opened with.
ALTER TABLE sessions
  ADD COLUMN last_ip_address varchar(64),
  ADD COLUMN last_user_agent text;
UPDATE sessions SET last_ip_address = ip_address, last_user_agent = user_agent;
CREATE INDEX sessions_user_active_idx ON sessions (user_id, last_used_at DESC)
  WHERE revoked_at IS NULL;

-- A TOTP authenticator per account (docs/security.md, "Two-step sign-in"). The secret is
-- encrypted with MFA_ENCRYPTION_KEY (AES-256-GCM); it protects nothing until confirmed_at is
-- set by a first valid code. last_step is the time step of the last code accepted: a code is
-- accepted once, never replayed.
CREATE TABLE mfa_totp (
  user_id integer PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  secret_encrypted text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  confirmed_at timestamptz,
  last_step bigint
);

-- Recovery codes, by SHA-256 of the code (80 random bits each); each works once.
CREATE TABLE mfa_recovery_codes (
  user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_hash bytea NOT NULL,
  used_at timestamptz,
  PRIMARY KEY (user_id, code_hash)
);

-- Short-lived, single-use tickets by SHA-256 of their value: 'login' after a right password
-- when a code is still needed (POST /login/mfa), 'enrol' for an admin who must first set up
-- an authenticator (ADMIN_MFA_REQUIRED).
CREATE TABLE mfa_tickets (
  token_hash bytea PRIMARY KEY,
  user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose varchar(8) NOT NULL CHECK (purpose IN ('login', 'enrol')),
  identifier varchar(255) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  failures integer NOT NULL DEFAULT 0
);
CREATE INDEX mfa_tickets_expires_idx ON mfa_tickets (expires_at);

-- Down Migration

DROP TABLE IF EXISTS mfa_tickets;
DROP TABLE IF EXISTS mfa_recovery_codes;
DROP TABLE IF EXISTS mfa_totp;
DROP INDEX IF EXISTS sessions_user_active_idx;
ALTER TABLE sessions DROP COLUMN IF EXISTS last_ip_address, DROP COLUMN IF EXISTS last_user_agent;
