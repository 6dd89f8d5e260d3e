/**
 * SQL on user-service's database (schema: user-service/migrations), through a read-only role.
 * `$1` is the reply's instant. A check-in is an `attendance` row with `scanned_at` (rows an
 * admin wrote for someone who did not scan have none).
 */

export interface AttendanceCounts {
  scans_24h: number;
  events_24h: number;
  records_24h: number;
  present_24h: number;
}

/**
 * Scans in the last 24 h; events open for check-in at some point in the last 24 h; and the
 * attendance records of those events, all and `present`. $1: instant.
 */
export const ATTENDANCE_COUNTS = `
  WITH recent_events AS (
    SELECT event_id FROM attendance_events
     WHERE starts_at <= $1::timestamptz AND expires_at > $1::timestamptz - interval '24 hours'
  )
  SELECT (SELECT count(*)::int FROM attendance
           WHERE scanned_at > $1::timestamptz - interval '24 hours'
             AND scanned_at <= $1::timestamptz) AS scans_24h,
         (SELECT count(*)::int FROM recent_events) AS events_24h,
         count(a.id)::int AS records_24h,
         count(a.id) FILTER (WHERE a.status = 'present')::int AS present_24h
    FROM recent_events e
    LEFT JOIN attendance a ON a.event_id = e.event_id`;

export interface HourlyScans {
  hour: Date;
  scans: number;
}

/**
 * Check-ins in each of the 24 clock hours (of the zone) ending with the current one, oldest
 * first, every hour present. $1: instant, $2: zone.
 */
export const SCANS_PER_HOUR = `
  WITH bounds AS (
    SELECT date_trunc('hour', $1::timestamptz, $2::text) AS last_hour
  ), counts AS (
    SELECT date_trunc('hour', scanned_at, $2::text) AS hour, count(*)::int AS scans
      FROM attendance, bounds
     WHERE scanned_at >= bounds.last_hour - interval '23 hours'
       AND scanned_at <= $1::timestamptz
     GROUP BY 1
  )
  SELECT series.hour, COALESCE(counts.scans, 0) AS scans
    FROM bounds,
         generate_series(bounds.last_hour - interval '23 hours', bounds.last_hour,
                         interval '1 hour') AS series(hour)
    LEFT JOIN counts ON counts.hour = series.hour
   ORDER BY series.hour`;

export interface ActiveUser {
  user_id: number;
  name: string;
  surname: string;
  check_ins: number;
}

/** Users with the most check-ins in the last $2 days, at most $3. $1: instant. */
export const MOST_ACTIVE_USERS = `
  SELECT a.user_id, u.name, u.last_name AS surname, count(*)::int AS check_ins
    FROM attendance a
    JOIN users u ON u.id = a.user_id
   WHERE a.scanned_at > $1::timestamptz - make_interval(days => $2::int)
     AND a.scanned_at <= $1::timestamptz
   GROUP BY a.user_id, u.name, u.last_name
   ORDER BY check_ins DESC, a.user_id
   LIMIT $3::int`;

/** The hours of the day (in zone $2) with the most check-ins over $3 days, at most $4. */
export const PEAK_CHECK_IN_HOURS = `
  SELECT extract(hour FROM scanned_at AT TIME ZONE $2::text)::int AS hour, count(*)::int AS count
    FROM attendance
   WHERE scanned_at > $1::timestamptz - make_interval(days => $3::int)
     AND scanned_at <= $1::timestamptz
   GROUP BY 1
   ORDER BY count DESC, hour
   LIMIT $4::int`;
