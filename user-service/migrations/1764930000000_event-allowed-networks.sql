-- Up Migration

-- The networks a scan of the event must come from (README.md, "Network restriction"): NULL, the
-- default, accepts every address. cidr[] so PostgreSQL itself matches the client address
-- (inet <<= cidr) in the one check-in statement (repositories/check-in.ts).
ALTER TABLE attendance_events ADD COLUMN IF NOT EXISTS allowed_networks cidr[];

-- Down Migration

ALTER TABLE attendance_events DROP COLUMN IF EXISTS allowed_networks;
