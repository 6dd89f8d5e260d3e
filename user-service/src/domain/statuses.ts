/** The attendance statuses of USER §5.7, in the order the original listed them. */
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
