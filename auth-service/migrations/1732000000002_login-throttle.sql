-- Up Migration

-- Failed password checks, counted three ways (docs/security.md): per account and client
-- address ('pair'), per account from every address ('account') and per client address across
-- accounts ('address'). An unknown identifier is counted under a hash of itself, exactly as an
-- account is, so the answers never tell whether an account exists. A key reaching its limit
-- inside one window is blocked until blocked_until, and its count starts again.
CREATE TABLE login_throttle (
  scope varchar(16) NOT NULL CHECK (scope IN ('pair', 'account', 'address')),
  key varchar(200) NOT NULL,
  failures integer NOT NULL DEFAULT 0,
  window_started_at timestamptz NOT NULL DEFAULT now(),
  blocked_until timestamptz,
  PRIMARY KEY (scope, key)
);
CREATE INDEX login_throttle_window_idx ON login_throttle (window_started_at);

-- Addresses an account recently signed in from: the owner is still let in from them while the
-- account as a whole is being guessed at from elsewhere.
CREATE TABLE login_known_addresses (
  user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  address varchar(64) NOT NULL,
  last_success_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, address)
);

-- Down Migration

DROP TABLE IF EXISTS login_known_addresses;
DROP TABLE IF EXISTS login_throttle;
