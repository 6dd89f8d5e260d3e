const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * A real calendar date written exactly as YYYY-MM-DD, as the original required
 * (docs/compatibility.md#generate): "2025-02-30", "2025-2-3" and "2025-02-03T00:00" are all
 * rejected. Year 0000 does not exist in PostgreSQL's calendar.
 */
export function isStrictDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const probe = new Date(0);
  probe.setUTCFullYear(year, month, 0); // day 0 of the next month: the last day of this one
  return day <= probe.getUTCDate();
}

/** RFC 3339 in UTC with whole seconds, as the original printed QR-related times. */
export function rfc3339(value: Date): string {
  return value.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function rfc3339OrNull(value: Date | null): string | null {
  return value === null ? null : rfc3339(value);
}

/** Parses an RFC 3339 date-time from a request; undefined when absent, null when malformed. */
export function parseDateTime(text: string | undefined): Date | null | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/i.test(text)) return null;
  const value = new Date(text);
  return Number.isNaN(value.getTime()) ? null : value;
}
