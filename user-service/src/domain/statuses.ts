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

/**
 * The statuses the original's code stored before its live version (its scanners chose them
 * from this set; so did its early static attendance table), and what each is among the seven.
 * The migration that copies the original's tables applies the same table, in SQL
 * (docs/switch-over.md); where the status alone would lose the word, it becomes the reason.
 */
export const EARLIER_STATUSES = {
  presente: 'present',
  vacation: 'vacancy',
  sick: 'hospital',
  business: 'personal',
  other: 'personal',
} as const satisfies Record<string, AttendanceStatus>;

/** The earlier statuses kept as the reason (`motivazione`) when copied. */
export const EARLIER_STATUSES_KEPT_AS_REASON: readonly string[] = ['sick', 'business', 'other'];
