import { isStrictDate } from '../domain/dates.js';
import { HttpError } from '@cloud-backend/shared';

/** The longest range a report covers: a leap year, both ends included. */
export const MAX_RANGE_DAYS = 366;

export interface DateRange {
  /** YYYY-MM-DD, both included. */
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;

const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY_MS;

/**
 * The `from`/`to` of a report (docs/compatibility.md#term-reports): real calendar dates written
 * as YYYY-MM-DD, `from` not after `to`, at most MAX_RANGE_DAYS days counting both ends, so that a
 * report over a school year fits and one over every year ever recorded cannot be asked for.
 */
export function parseRange(query: { from: string; to: string }): DateRange {
  const { from, to } = query;
  const valid =
    isStrictDate(from) &&
    isStrictDate(to) &&
    dayNumber(from) <= dayNumber(to) &&
    dayNumber(to) - dayNumber(from) + 1 <= MAX_RANGE_DAYS;
  if (!valid) {
    throw new HttpError(
      400,
      'INVALID_DATE_RANGE',
      `from and to must be dates (YYYY-MM-DD) with from not after to, at most ${String(MAX_RANGE_DAYS)} days apart counting both`,
    );
  }
  return { from, to };
}
