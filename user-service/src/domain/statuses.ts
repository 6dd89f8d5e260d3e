/** The original's attendance statuses, in its order (docs/compatibility.md#statuses). */
export const ATTENDANCE_STATUSES = [
  'present',
  'not_registered',
  'hospital',
  'family',
  'emergency',
  'vacancy',
  'personal',
] as const;

export type AttendanceStatus = (typeof ATTENDANCE_STATUSES)[number];

export function isAttendanceStatus(value: string): value is AttendanceStatus {
  return (ATTENDANCE_STATUSES as readonly string[]).includes(value);
}
