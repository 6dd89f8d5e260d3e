/**
 * What the Register and the per-person attendance pages compute from the API's answers, kept
 * apart from the pages so that it is tested in Node (test/reports.test.ts).
 */
import type {
  CsvDelimiter,
  AttendanceRegister,
  RegisterPeople,
  ReportEvent,
  ReportTotals,
} from '../../api/types.js';
import { statusLabel } from '../../components/labels.js';
import { formatDate } from '../../components/ui.js';
import { formatRate } from '../../i18n/format.js';
import { t } from '../../i18n/i18n.js';

/** The seven statuses' labels, and the reports' own: an event the person has no row for. */
export const reportStatusLabel = statusLabel;

/** Who the register lists, each choice with its words (every value of the API's). */
export const peopleLabels = () =>
  ({
    attended: t('attendanceRegister.attended'),
    all: t('attendanceRegister.all'),
  }) satisfies Record<RegisterPeople, string>;

export const delimiterLabels = () =>
  ({
    comma: t('attendanceRegister.comma'),
    semicolon: t('attendanceRegister.semicolon'),
  }) satisfies Record<CsvDelimiter, string>;

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
  return rate === null ? '—' : `${formatRate(rate)} %`;
}

/** "2 present of 3 events (66.7 %), 1 justified, 0 absent". */
export function totalsText(totals: ReportTotals): string {
  return t('totals.text', {
    present: totals.present,
    events: t('totals.events', { count: totals.events }),
    rate: rateText(totals.attendance_rate),
    justified: totals.justified,
    absent: totals.absent,
  });
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

/** The register table's last columns, each with its title (current language) and cell. */
export const totalColumns = () =>
  [
    [t('totals.present'), (totals: ReportTotals) => String(totals.present)],
    [t('totals.justified'), (totals: ReportTotals) => String(totals.justified)],
    [t('totals.absent'), (totals: ReportTotals) => String(totals.absent)],
    [t('totals.rate'), (totals: ReportTotals) => rateText(totals.attendance_rate)],
  ] as const;
