-- Up Migration

-- The audit trail (docs/compatibility.md#audit-trail): security-relevant events sent by
-- auth-service and user-service. Append-only and tamper-evident:
--   * each row stores prev_hash (the previous row's hash, 64 zeros for the first row) and
--     hash = sha256(prev_hash || canonical form of the row), computed by the service
--     (src/audit/hash-chain.ts) and recomputed by GET /api/social/audit/verify;
--   * rows are chained in id order, one writer at a time (audit_chain_lock), and a trigger
--     refuses any row that does not extend the chain's current end;
--   * UPDATE, DELETE and TRUNCATE are refused by a trigger and revoked from PUBLIC.
-- A trigger does not stop the table's owner (who may disable it), so production runs the
-- migrations as the owner and the service as a role granted only what it needs:
--   GRANT SELECT, INSERT ON audit_events TO social_log_app;
--   GRANT USAGE ON SEQUENCE audit_events_id_seq TO social_log_app;
-- Whoever can rewrite the table and every later hash can still forge a consistent chain; the
-- newest hash reported by the verify route is what an operator records elsewhere to catch that.

CREATE SEQUENCE audit_events_id_seq AS bigint;

CREATE TABLE audit_events (
  id bigint PRIMARY KEY DEFAULT nextval('audit_events_id_seq'),
  event_id uuid NOT NULL UNIQUE,
  occurred_at timestamptz NOT NULL,
  service varchar(64) NOT NULL,
  action varchar(64) NOT NULL,
  user_id integer,
  actor_id integer,
  success boolean NOT NULL,
  ip varchar(64),
  user_agent varchar(512),
  request_id varchar(128),
  details jsonb NOT NULL,
  received_at timestamptz NOT NULL,
  prev_hash char(64) NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash char(64) NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$')
);
ALTER SEQUENCE audit_events_id_seq OWNED BY audit_events.id;

-- GET /api/social/audit: newest first, optionally by user, action and time range.
CREATE INDEX audit_events_occurred_at_idx ON audit_events (occurred_at DESC, id DESC);
CREATE INDEX audit_events_user_idx ON audit_events (user_id, occurred_at DESC);
CREATE INDEX audit_events_action_idx ON audit_events (action, occurred_at DESC);

-- The one lock every writer of the chain holds until its transaction ends, so that reading the
-- chain's end and appending to it happen as one step. Defined once here, used by the service
-- and by the trigger below.
CREATE FUNCTION audit_chain_lock() RETURNS void LANGUAGE sql AS $$
  SELECT pg_advisory_xact_lock(7305196213571380)
$$;

-- Every new row must extend the chain: a higher id than the last row, and prev_hash equal to
-- the last row's hash. Taking the lock here too means a writer that forgot to take it is
-- serialised all the same instead of forking the chain.
CREATE FUNCTION audit_events_check_link() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  last_id bigint;
  last_hash text;
BEGIN
  PERFORM audit_chain_lock();
  SELECT id, hash INTO last_id, last_hash FROM audit_events ORDER BY id DESC LIMIT 1;
  IF last_id IS NOT NULL AND NEW.id <= last_id THEN
    RAISE EXCEPTION 'audit_events: id % does not follow the last id %', NEW.id, last_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF NEW.prev_hash IS DISTINCT FROM coalesce(last_hash, repeat('0', 64)) THEN
    RAISE EXCEPTION 'audit_events: row % does not extend the hash chain', NEW.id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER audit_events_link
  BEFORE INSERT ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_check_link();

CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

-- Statement-level, so the refusal happens even when no row matches.
CREATE TRIGGER audit_events_append_only
  BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();

CREATE TRIGGER audit_events_no_truncate
  BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();

REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM PUBLIC;

-- Down Migration
DROP TABLE audit_events;
DROP FUNCTION audit_events_refuse_change();
DROP FUNCTION audit_events_check_link();
DROP FUNCTION audit_chain_lock();
