import type { Db } from '../repositories/db.js';
import { statusesOf, type ReportEvent, type ReportPerson } from '../repositories/reports.js';
import type { DateRange } from './range.js';
import { NOT_CHECKED_IN, totalsOf, type ReportStatus, type Totals } from './totals.js';

/** One line of a register: a person, their status for each event (in the events' order), totals. */
export interface RegisterLine {
  person: ReportPerson;
  statuses: ReportStatus[];
  totals: Totals;
}

/** The lines of these people, with one status per event of `events`. */
export async function registerLines(
  db: Db,
  range: DateRange,
  events: readonly ReportEvent[],
  people: readonly ReportPerson[],
): Promise<RegisterLine[]> {
  if (people.length === 0) return [];
  const column = new Map(events.map((event, index) => [event.event_id, index]));
  const cells = new Map<number, ReportStatus[]>(
    people.map((person) => [person.user_id, events.map(() => NOT_CHECKED_IN)]),
  );
  const rows = await statusesOf(
    db,
    people.map((person) => person.user_id),
    range,
  );
  for (const row of rows) {
    const index = column.get(row.event_id);
    const line = cells.get(row.user_id);
    if (index !== undefined && line) line[index] = row.status;
  }
  return people.map((person) => {
    const statuses = cells.get(person.user_id) ?? [];
    return { person, statuses, totals: totalsOf(statuses) };
  });
}
