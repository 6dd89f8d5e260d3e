-- Up Migration

-- The live view of check-ins (GET /qr/admin/events/:event_id/live, user-service/README.md):
-- every check-in and status change of an event gets the event's next sequence number, is kept
-- in live.attendance_changes (what a reconnecting stream replays: Last-Event-ID is that number) and
-- announced with NOTIFY, which reaches every replica of user-service. They live in a schema of
-- their own: the port's own bookkeeping, beside the tables the original had.
--
-- The number is taken under the row lock of the event's counter, held until the writing
-- transaction ends, so within an event numbers become visible in the order they were given:
-- a reader that has seen number n never sees a smaller one appear later.

CREATE SCHEMA IF NOT EXISTS live;

CREATE TABLE live.event_sequences (
  event_id varchar(100) PRIMARY KEY
    REFERENCES attendance_events (event_id) ON UPDATE CASCADE ON DELETE CASCADE,
  last_seq bigint NOT NULL
);

CREATE TABLE live.attendance_changes (
  event_id varchar(100) NOT NULL
    REFERENCES attendance_events (event_id) ON UPDATE CASCADE ON DELETE CASCADE,
  seq bigint NOT NULL,
  user_id integer NOT NULL,
  name varchar(255) NOT NULL,
  surname varchar(255) NOT NULL,
  status varchar(50) NOT NULL,
  previous_status varchar(50),
  scanned_at timestamptz,
  changed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_id, seq)
);

CREATE FUNCTION live.record_attendance_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  next_seq bigint;
BEGIN
  -- An edit of the motivazione alone, or a no-op, is no news for the live view.
  IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status
     AND NEW.scanned_at IS NOT DISTINCT FROM OLD.scanned_at THEN
    RETURN NULL;
  END IF;
  INSERT INTO live.event_sequences AS s (event_id, last_seq) VALUES (NEW.event_id, 1)
    ON CONFLICT (event_id) DO UPDATE SET last_seq = s.last_seq + 1
    RETURNING s.last_seq INTO next_seq;
  INSERT INTO live.attendance_changes (event_id, seq, user_id, name, surname, status,
                                  previous_status, scanned_at)
    VALUES (NEW.event_id, next_seq, NEW.user_id, NEW.name, NEW.surname, NEW.status,
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.scanned_at);
  -- Delivered at commit, to every session listening (one per replica).
  PERFORM pg_notify('attendance_changes',
                    json_build_object('event_id', NEW.event_id, 'seq', next_seq)::text);
  RETURN NULL;
END $$;

-- UPDATE OF: renaming an event (its event_id cascading into attendance) is no check-in.
CREATE TRIGGER attendance_live_change
  AFTER INSERT OR UPDATE OF status, scanned_at ON attendance
  FOR EACH ROW EXECUTE FUNCTION live.record_attendance_change();

-- Down Migration

DROP TRIGGER IF EXISTS attendance_live_change ON attendance;
DROP SCHEMA IF EXISTS live CASCADE;
