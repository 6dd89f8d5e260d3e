/**
 * SQL on auth-service's database (schema: auth-service/migrations), through a read-only role.
 * `$1` is the reply's instant, so the windows end where Prometheus's do.
 */

/** auth_logs.action of a login attempt that did not sign anyone in (auth-service writes them). */
export const FAILED_LOGIN_ACTIONS = [
  'login_failed_wrong_password',
  'login_failed_user_not_found',
  'login_blocked_locked',
] as const;

export interface SecurityCounts {
  successful_logins: number;
  failed_logins: number;
  lockouts: number;
  /** Every refused operation in the last hour: failed logins, lockouts, refresh-token reuse. */
  failures_last_hour: number;
}

/** $1: instant, $2: FAILED_LOGIN_ACTIONS. */
export const SECURITY_COUNTS = `
  SELECT count(*) FILTER (WHERE action = 'login_success')::int AS successful_logins,
         count(*) FILTER (WHERE action = ANY ($2::text[]))::int AS failed_logins,
         count(*) FILTER (WHERE action = 'account_locked')::int AS lockouts,
         count(*) FILTER (WHERE NOT success
                            AND "timestamp" > $1::timestamptz - interval '1 hour')::int
           AS failures_last_hour
    FROM auth_logs
   WHERE "timestamp" > $1::timestamptz - interval '24 hours'
     AND "timestamp" <= $1::timestamptz`;

export interface HourCount {
  hour: number;
  count: number;
}

/** Successful logins by hour of the day in a time zone, all 24 hours. $1 instant, $2 zone, $3 days. */
export const LOGINS_BY_HOUR_OF_DAY = `
  WITH counts AS (
    SELECT extract(hour FROM "timestamp" AT TIME ZONE $2::text)::int AS hour, count(*)::int AS n
      FROM auth_logs
     WHERE action = 'login_success'
       AND "timestamp" > $1::timestamptz - make_interval(days => $3::int)
       AND "timestamp" <= $1::timestamptz
     GROUP BY 1
  )
  SELECT h AS hour, COALESCE(counts.n, 0) AS count
    FROM generate_series(0, 23) AS h
    LEFT JOIN counts ON counts.hour = h
   ORDER BY h`;
