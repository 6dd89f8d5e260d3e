/**
 * What the Register and the per-person attendance pages compute from the API's answers, kept
 * apart from the pages so that it is tested in Node (test/reports.test.ts).
 */
import type {
  CsvDelimiter,
  AttendanceRegister,
  RegisterPeople,
  ReportEvent,
  ReportStatus,
  ReportTotals,
} from '../../api/types.js';
import { STATUS_LABELS } from '../../components/labels.js';
import { formatDate } from '../../components/ui.js';

/** The seven statuses' labels, and the reports' own: an event the person has no row for. */
export const REPORT_STATUS_LABELS = {
  ...STATUS_LABELS,
  not_checked_in: 'Not checked in',
} as const satisfies Record<ReportStatus, string>;

export const reportStatusLabel = (status: string): string =>
  (REPORT_STATUS_LABELS as Record<string, string>)[status] ?? status;

export const PEOPLE_LABELS = {
  attended: 'People with attendance in the range',
  all: 'Everyone but administrators',
} as const satisfies Record<RegisterPeople, string>;

export const DELIMITER_LABELS = {
  comma: 'Comma (,)',
  semicolon: 'Semicolon (;), for Excel in Italian and other locales',
} as const satisfies Record<CsvDelimiter, string>;

const DAY_MS = 86_400_000;

/** A YYYY-MM-DD date moved by whole days (calendar arithmetic, no time zone involved). */
export function shiftDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The range a report page opens with: the 30 days ending today. */
export function defaultRange(today: string): { from: string; to: string } {
  return { from: shiftDays(today, -29), to: today };
}

/** A range from a page's address, each end falling back to the default one. */
export function rangeFrom(params: URLSearchParams, today: string): { from: string; to: string } {
  const fallback = defaultRange(today);
  return { from: params.get('from') ?? fallback.from, to: params.get('to') ?? fallback.to };
}

/** The rate as a percentage with one decimal, or a dash when the range held no event. */
export function rateText(rate: number | null): string {
  return rate === null ? '—' : `${rate.toFixed(1)} %`;
}

/** "2 present of 3 events (66.7 %), 1 justified, 0 absent". */
export function totalsText(totals: ReportTotals): string {
  const events = `${String(totals.events)} event${totals.events === 1 ? '' : 's'}`;
  return (
    `${String(totals.present)} present of ${events} (${rateText(totals.attendance_rate)}), ` +
    `${String(totals.justified)} justified, ${String(totals.absent)} absent`
  );
}

/** An event's column title: its name and its date, as two events may share a name. */
export function eventHeader(event: ReportEvent): string {
  return `${event.event_name} (${formatDate(event.date)})`;
}

/** The register's people as table rows (the table keys rows by `id`). */
export function registerRows(page: AttendanceRegister) {
  return page.people.map((person) => ({ ...person, id: person.user_id }));
}

export type RegisterRow = ReturnType<typeof registerRows>[number];

/** The register table's last columns, each with its cell. */
export const TOTAL_COLUMNS = [
  ['Present', (totals: ReportTotals) => String(totals.present)],
  ['Justified', (totals: ReportTotals) => String(totals.justified)],
  ['Absent', (totals: ReportTotals) => String(totals.absent)],
  ['Rate', (totals: ReportTotals) => rateText(totals.attendance_rate)],
] as const;
