/**
 * RFC 3339 timestamps: the `timestamp` of a social log, the `occurred_at` of an audit event and
 * the `from`/`to` filters. Parsed here rather than by `Date.parse` because that accepts far more
 * than RFC 3339 (and differs between engines), and because PostgreSQL keeps microseconds, which
 * a JavaScript Date cannot hold.
 */

/** One instant, to the microsecond. */
export interface Instant {
  /** Milliseconds since the Unix epoch (the microseconds below the millisecond are in `utc`). */
  epochMs: number;
  /**
   * The canonical UTC form, `YYYY-MM-DDTHH:MM:SS.ffffffZ`: always six fractional digits, so it
   * is exactly what PostgreSQL stores and what `CANONICAL_UTC_SQL` reads back.
   */
  utc: string;
}

// full-date "T" full-time (RFC 3339 §5.6). Lower-case t and z are allowed by its §5.6 note;
// fractions beyond nanoseconds are refused, as Go's parser (the original's) refused them.
const PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

const MIN_MS = utcMs(1, 1, 1);
const MAX_MS = utcMs(10000, 1, 1) - 1;
/** Go's zero time.Time, 0001-01-01T00:00:00Z, which the original treated as "missing". */
export const ZERO_TIME_UTC = '0001-01-01T00:00:00.000000Z';

function utcMs(year: number, month: number, day: number): number {
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime();
}

function daysInMonth(year: number, month: number): number {
  return new Date(utcMs(year, month + 1, 1) - 1).getUTCDate();
}

/** The instant an RFC 3339 timestamp names, or undefined when it is not one (or not in years 1-9999 UTC). */
export function parseRfc3339(text: string): Instant | undefined {
  const match = PATTERN.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [, , , , , , , fraction = '', sign, offsetHours = '0', offsetMinutes = '0'] = match;
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return undefined;
  }
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (Number(offsetHours) > 23 || Number(offsetMinutes) > 59) return undefined;

  // Offsets are whole minutes, so the fraction of a second is the same in UTC.
  const micros = fraction.padEnd(6, '0').slice(0, 6);
  const offsetMs = (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000;
  const local = utcMs(year, month, day) + ((hour * 60 + minute) * 60 + second) * 1000;
  const epochMs = local - (sign === '-' ? -offsetMs : offsetMs) + Math.floor(Number(micros) / 1000);
  if (epochMs < MIN_MS || epochMs > MAX_MS) return undefined;
  return { epochMs, utc: `${new Date(epochMs).toISOString().slice(0, 19)}.${micros}Z` };
}

/**
 * How the API writes a canonical timestamp: RFC 3339 in UTC with the fraction only as long as it
 * needs to be (`2025-06-22T10:00:00Z`, `2025-06-22T10:00:00.25Z`), like Go's RFC3339Nano.
 */
export function toApiTimestamp(canonicalUtc: string): string {
  return canonicalUtc.replace(/\.?0*Z$/, 'Z');
}

/**
 * A SQL expression giving a timestamptz column in the canonical UTC form of `Instant.utc`.
 * Only ever called with a column name written in this code, never with input.
 */
export function canonicalUtcSql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}
