import { Readable, pipeline } from 'node:stream';
import { stringify, type Stringifier } from 'csv-stringify';
import { defuse } from '../domain/csv-cells.js';
import type { Db } from '../repositories/db.js';
import { peopleAfter, type PeopleFilter, type ReportEvent } from '../repositories/reports.js';
import { registerLines, type RegisterLine } from './register.js';

/** People read and written per query: bounded memory however many there are. */
const BATCH = 500;

export type Delimiter = 'comma' | 'semicolon';

const TOTAL_COLUMNS = ['present', 'justified', 'absent', 'events', 'attendance_rate'];

/** An event's column title: its name and date, so that two events of one name stay apart. */
const eventTitle = (event: ReportEvent) => defuse(`${event.event_name} (${event.date})`);

/**
 * The rate as a percentage with one decimal; with semicolons (spreadsheets in locales such as
 * Italian, where the comma is the decimal separator) written with a decimal comma, so that it
 * is read as a number there.
 */
function rateCell(rate: number | null, delimiter: Delimiter): string {
  if (rate === null) return '';
  const text = rate.toFixed(1);
  return delimiter === 'semicolon' ? text.replace('.', ',') : text;
}

function record(line: RegisterLine, delimiter: Delimiter): string[] {
  const { person, statuses, totals } = line;
  return [
    defuse(person.surname),
    defuse(person.name),
    defuse(person.email ?? ''),
    String(person.user_id),
    ...statuses,
    String(totals.present),
    String(totals.justified),
    String(totals.absent),
    String(totals.events),
    rateCell(totals.attendance_rate, delimiter),
  ];
}

async function* records(
  db: Db,
  filter: PeopleFilter,
  events: readonly ReportEvent[],
  delimiter: Delimiter,
): AsyncGenerator<string[]> {
  yield ['surname', 'name', 'email', 'user_id', ...events.map(eventTitle), ...TOTAL_COLUMNS];
  let last;
  for (;;) {
    const people = await peopleAfter(db, filter, last, BATCH);
    for (const line of await registerLines(db, filter.range, events, people)) {
      yield record(line, delimiter);
    }
    if (people.length < BATCH) return;
    last = people.at(-1);
  }
}

/**
 * The register as CSV (docs/compatibility.md#register-csv): UTF-8 with a byte order mark (so
 * that spreadsheets read the accents), RFC 4180 (CRLF line ends; fields holding the delimiter,
 * a quote or a line break quoted, quotes doubled), written as the people are read, a batch at a
 * time. The events are read before: a bad request is still a JSON error, not a broken file.
 */
export function registerCsv(
  db: Db,
  filter: PeopleFilter,
  events: readonly ReportEvent[],
  delimiter: Delimiter,
  onError: (err: Error) => void,
): Stringifier {
  const csv = stringify({
    bom: true,
    delimiter: delimiter === 'semicolon' ? ';' : ',',
    record_delimiter: 'windows',
  });
  pipeline(Readable.from(records(db, filter, events, delimiter)), csv, (err) => {
    if (err) onError(err);
  });
  return csv;
}
