/**
 * Dates and times in the reader's language. Event times (check-in windows, check-ins) are shown
 * in the events' time zone, the deployment's EVENT_TIMEZONE, which the app learns from
 * `GET /user/qr/attendance/today` (README.md, "Configuration"); other instants (sign-ins,
 * audit events) in the reader's own zone.
 */
import { locale } from './i18n.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const tag = locale();
  const key = `${tag}|${JSON.stringify(options)}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(tag, options);
    formatters.set(key, found);
  }
  return found;
}

let eventZone: string | undefined;
const readerZone = (): string => new Intl.DateTimeFormat().resolvedOptions().timeZone;

/** The events' zone as the API names it; an unknown name is ignored (the reader's zone stays). */
export function setEventTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    return false;
  }
  eventZone = zone;
  return true;
}

export function eventTimeZone(): string | undefined {
  return eventZone;
}

function instant(value: string | null | undefined, options: Intl.DateTimeFormatOptions): string {
  if (!value) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : formatter(options).format(date);
}

/** An RFC 3339 instant in the reader's language and time zone. */
export function formatDateTime(value: string | null | undefined): string {
  return instant(value, { dateStyle: 'medium', timeStyle: 'medium' });
}

/**
 * An instant of an event (a check-in, a window's end) in the events' time zone, named when it
 * is not the reader's own.
 */
export function formatEventDateTime(value: string | null | undefined): string {
  const zone = eventZone;
  if (zone === undefined || zone === readerZone()) return formatDateTime(value);
  // dateStyle cannot be combined with timeZoneName: the parts are named one by one.
  return instant(value, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZone: zone,
    timeZoneName: 'short',
  });
}

/** A YYYY-MM-DD calendar date (no time zone: the date as written). */
export function formatDate(value: string): string {
  const date = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(date.getTime())
    ? value
    : formatter({ dateStyle: 'medium', timeZone: 'UTC' }).format(date);
}

/** A number with the reader's decimal separator, one decimal: 66.7 or 66,7. */
export function formatRate(value: number): string {
  return new Intl.NumberFormat(locale(), {
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  }).format(value);
}
