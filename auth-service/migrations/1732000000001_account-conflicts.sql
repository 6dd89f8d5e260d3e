-- Up Migration

-- E-mails are kept bare and lower-case; accounts the original let collide are kept and
-- flagged, never merged or renamed; uniqueness without regard to case holds for every other
-- account. Safe to run on any database the original left behind, and a second run changes
-- nothing. docs/switch-over.md ("Accounts: what the upgrade does") describes the policy.

-- original_email: the e-mail exactly as the original stored it, where that differs from the
-- bare, lower-case address in email (login still accepts it as it was).
-- legacy_*_duplicate: the account shares its e-mail (or username) with another one, in some
-- case, since before the upgrade; such rows are left out of the uniqueness indexes below.
ALTER TABLE users
  ADD COLUMN IF NOT EXISTS original_email varchar(255),
  ADD COLUMN IF NOT EXISTS legacy_email_duplicate boolean NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS legacy_username_duplicate boolean NOT NULL DEFAULT false;

-- Whole-table unique indexes of an earlier version of this upgrade, made partial below.
DROP INDEX IF EXISTS users_email_lower_key;
DROP INDEX IF EXISTS users_username_lower_key;

-- The original stored the e-mail as typed, display forms included ("Bob <bob@x.io>",
-- "<bob@x.io>", "bob@x.io (Bob)"). The address inside, trimmed and lower-cased; the typed form
-- is kept in original_email. Text that reduces to nothing keeps its form there, address NULL.
WITH reduced AS (
  SELECT id, email AS typed,
         nullif(lower(btrim(coalesce(
           substring(btrim(email) FROM '^[^<>]*<([^<>]+)>$'),
           regexp_replace(btrim(email), '\s*\([^()]*\)$', '')
         ))), '') AS bare
    FROM users
   WHERE email IS NOT NULL
)
UPDATE users u
   SET original_email = coalesce(u.original_email, r.typed), email = r.bare
  FROM reduced r
 WHERE u.id = r.id AND r.bare IS DISTINCT FROM r.typed;

UPDATE users u SET legacy_email_duplicate = true
 WHERE NOT u.legacy_email_duplicate AND u.email IS NOT NULL
   AND EXISTS (SELECT 1 FROM users o WHERE o.id <> u.id AND lower(o.email) = lower(u.email));
UPDATE users u SET legacy_username_duplicate = true
 WHERE NOT u.legacy_username_duplicate
   AND EXISTS (SELECT 1 FROM users o WHERE o.id <> u.id AND lower(o.username) = lower(u.username));

-- Unique for every account but the flagged ones; registration also checks against those, and
-- across the two columns (an e-mail may not be another account's username, nor the reverse).
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))
  WHERE NOT legacy_email_duplicate;
CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username))
  WHERE NOT legacy_username_duplicate;
-- Lookups by e-mail or username (any case), and by the e-mail as the original stored it.
CREATE INDEX IF NOT EXISTS users_email_lookup_idx ON users (lower(email));
CREATE INDEX IF NOT EXISTS users_username_lookup_idx ON users (lower(username));
CREATE INDEX IF NOT EXISTS users_original_email_idx ON users (original_email)
  WHERE original_email IS NOT NULL;

-- Every group of accounts in conflict now: the same e-mail, or the same username, in any case;
-- or a username equal to another account's e-mail. A group disappears from here as soon as it
-- no longer collides (one of them deleted or changed).
CREATE OR REPLACE VIEW account_conflicts (kind, key, user_ids) AS
SELECT 'email'::text, lower(email), array_agg(id ORDER BY id)
  FROM users
 WHERE email IS NOT NULL
 GROUP BY lower(email)
HAVING count(*) > 1
UNION ALL
SELECT 'username'::text, lower(username), array_agg(id ORDER BY id)
  FROM users
 GROUP BY lower(username)
HAVING count(*) > 1
UNION ALL
SELECT 'username_is_email'::text, m.key, array_agg(m.id ORDER BY m.id)
  FROM (SELECT lower(u.username) AS key, u.id
          FROM users u
          JOIN users e ON lower(e.email) = lower(u.username) AND e.id <> u.id
        UNION
        SELECT lower(e.email), e.id
          FROM users e
          JOIN users u ON lower(u.username) = lower(e.email) AND u.id <> e.id) m
 GROUP BY m.key;

-- Down Migration

-- Gives the e-mails back as the original stored them; no account is removed.
DROP VIEW IF EXISTS account_conflicts;
DROP INDEX IF EXISTS users_original_email_idx;
DROP INDEX IF EXISTS users_username_lookup_idx;
DROP INDEX IF EXISTS users_email_lookup_idx;
DROP INDEX IF EXISTS users_username_lower_key;
DROP INDEX IF EXISTS users_email_lower_key;
UPDATE users SET email = original_email WHERE original_email IS NOT NULL;
ALTER TABLE users
  DROP COLUMN original_email,
  DROP COLUMN legacy_email_duplicate,
  DROP COLUMN legacy_username_duplicate;
