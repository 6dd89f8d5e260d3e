/**
 * Names and DDL of the original's per-event tables, in each shape its code made them.
 *
 * The original pasted `attendance_` + the event id (every `-` turned into `_`) unquoted into
 * its SQL, so PostgreSQL's rules for unquoted identifiers decide the real name: ASCII letters
 * are lower-cased and anything past 63 bytes is cut off (two events can then share one
 * table); a character not allowed in an identifier (an apostrophe, a dot, …) makes the
 * statement fail, and the event is left without a table.
 */

/** Longest identifier PostgreSQL keeps (NAMEDATALEN - 1), in bytes. */
export const MAX_IDENTIFIER_BYTES = 63;

/** The event id the generate handler derived (from commit 0accf3a on): name, spaces → `-`. */
export function eventIdFor(eventName: string, date: string): string {
  return `${eventName.replaceAll(' ', '-').toLowerCase()}-${date}`;
}

/** The event id of the earliest code (commit 843fe14): one event per date. */
export function earlyEventIdFor(date: string): string {
  return `daily-${date}`;
}

/** The table name as the Go code wrote it into its SQL (before PostgreSQL reads it). */
export function codeTableName(eventId: string): string {
  return `attendance_${eventId.replaceAll('-', '_')}`;
}

/**
 * The name PostgreSQL gives an unquoted identifier: ASCII upper-case folded to lower-case,
 * then cut to 63 bytes without splitting a character (as the server does, with a notice).
 */
export function storedIdentifier(identifier: string): string {
  const folded = identifier.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
  let kept = '';
  let bytes = 0;
  for (const character of folded) {
    const size = Buffer.byteLength(character);
    if (bytes + size > MAX_IDENTIFIER_BYTES) break;
    kept += character;
    bytes += size;
  }
  return kept;
}

/** The name of the table an event's check-ins went to, as it exists in the database. */
export function storedTableName(eventId: string): string {
  return storedIdentifier(codeTableName(eventId));
}

// The seven statuses of the live table's check, in the order the code listed them (the order
// shows in the constraint's definition).
const SEVEN_STATUSES = `'present', 'hospital', 'family', 'emergency', 'vacancy', 'personal', 'not_registered'`;

/**
 * The live code's per-event table (commit 769db90 to the end): 10 columns, seven statuses,
 * default `present`, then five indexes, each its own statement (a failure was only logged).
 */
export function liveTableStatements(table: string): { table: string; indexes: string[] } {
  return {
    table: `create table if not exists ${table} (
      id serial primary key,
      user_id integer not null,
      name varchar(255) not null,
      surname varchar(255) not null,
      scanned_at timestamptz,
      "timestamp" timestamp null,
      status varchar(50) default 'present' check (status in (${SEVEN_STATUSES})),
      motivazione text,
      updated_by integer references users (id),
      updated_at timestamptz default now(),
      foreign key (user_id) references users (id),
      unique (user_id)
    )`,
    indexes: ['user_id', 'timestamp', 'status', 'updated_at', 'scanned_at'].map(
      (column) => `create index if not exists idx_${table}_${column} on ${table} ("${column}")`,
    ),
  };
}

/**
 * The per-event table of the code before 0008 existed (commits 98fb59d to f229a42): 7
 * columns, no `scanned_at`, a free-text status defaulting to `present`, a `timestamp` set by
 * the database, then two indexes.
 */
export function pre0008TableStatements(table: string): { table: string; indexes: string[] } {
  return {
    table: `create table if not exists ${table} (
      id serial primary key,
      user_id integer not null,
      name varchar(255) not null,
      surname varchar(255) not null,
      "timestamp" timestamp default current_timestamp,
      status varchar(50) default 'present',
      motivazione text,
      foreign key (user_id) references users (id),
      unique (user_id)
    )`,
    indexes: ['user_id', 'timestamp'].map(
      (column) => `create index if not exists idx_${table}_${column} on ${table} ("${column}")`,
    ),
  };
}

/** Statuses the scan of the code before 0008 accepted (and the early static table allows). */
export const PRE_0008_STATUSES = [
  'presente',
  'vacation',
  'hospital',
  'family',
  'sick',
  'personal',
  'business',
  'other',
] as const;

/** Statuses the live table allows. */
export const LIVE_STATUSES = [
  'present',
  'hospital',
  'family',
  'emergency',
  'vacancy',
  'personal',
  'not_registered',
] as const;
