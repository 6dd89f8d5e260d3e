import type { AttendanceStatus } from '../domain/statuses.js';

/**
 * A person's status for one event in a report: one of the seven, or `not_checked_in` when the
 * event has no row for them (the original's events have no list of who was expected, so every
 * event in the range counts for everyone: docs/compatibility.md#term-reports).
 */
export type ReportStatus = AttendanceStatus | 'not_checked_in';

export const NOT_CHECKED_IN = 'not_checked_in' as const;

/** What the statuses count as in a report's totals. Only `present` counts as attended. */
export const STATUS_CLASSES = {
  present: 'present',
  hospital: 'justified',
  family: 'justified',
  emergency: 'justified',
  vacancy: 'justified',
  personal: 'justified',
  not_registered: 'absent',
  not_checked_in: 'absent',
} as const satisfies Record<ReportStatus, 'present' | 'justified' | 'absent'>;

export interface Totals {
  events: number;
  present: number;
  justified: number;
  absent: number;
  /** present ÷ events × 100, unrounded; null without events (a rate of nothing is unknown). */
  attendance_rate: number | null;
}

export function totalsOf(statuses: readonly ReportStatus[]): Totals {
  const totals = { events: statuses.length, present: 0, justified: 0, absent: 0 };
  for (const status of statuses) totals[STATUS_CLASSES[status]] += 1;
  return {
    ...totals,
    attendance_rate: totals.events === 0 ? null : (totals.present / totals.events) * 100,
  };
}
