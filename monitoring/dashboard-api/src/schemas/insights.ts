import { Type } from 'typebox';
import { Envelope } from './envelope.js';
import {
  HourOfDay,
  NullableInteger,
  NullableList,
  NullableNumber,
  NullableString,
  Percentage,
  Timestamp,
} from './common.js';

export const MAX_LIMIT = 50;
export const MAX_DAYS = 366;

export const InsightsQuery = Type.Object({
  limit: Type.Integer({
    minimum: 1,
    maximum: MAX_LIMIT,
    default: 10,
    description: `length of the top-N lists, at most ${MAX_LIMIT}`,
  }),
  days: Type.Integer({
    minimum: 1,
    maximum: MAX_DAYS,
    default: 30,
    description: 'window of most_active_users, activity_by_time_slot and peak_attendance_hours',
  }),
  timezone: Type.String({
    minLength: 1,
    maxLength: 64,
    pattern: '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$',
    default: 'UTC',
    description: 'IANA time zone of the hours of the day, e.g. Europe/Rome',
  }),
});

const Count = Type.Integer({ minimum: 0 });

const DatabaseFigures = {
  connections_active: NullableInteger('backends connected (pg_stat_database.numbackends)'),
  slow_queries_count: NullableInteger(
    'statements running longer than slow_query_threshold_seconds now; null unless the role ' +
      'is a member of pg_read_all_stats',
  ),
  database_size: NullableString('pg_database_size, e.g. "2.5 GB" (1024-based)'),
  database_size_bytes: NullableNumber('pg_database_size in bytes'),
  cache_hit_rate_percent: Percentage('blks_hit / (blks_hit + blks_read) since the stats reset'),
};

export const InsightsReply = Envelope(
  {
    qr_analytics: Type.Object({
      qr_code_analytics: Type.Object({
        total_scans_24h: NullableInteger('check-ins (attendance.scanned_at) in the last 24 h'),
        scans_per_hour: NullableList(
          Type.Object({ hour: Timestamp, scans: Count }),
          'check-ins in each of the 24 clock hours ending with the current one, oldest first',
        ),
        top_scan_locations: NullableList(
          Type.Object({ location: Type.String(), scans: Count }),
          'always null: a check-in carries no location',
        ),
        scan_success_rate: Percentage(
          'qr_scans_total: successful share of the scans of the last 24 h',
        ),
        average_scan_time_ms: NullableNumber("mean duration of user-service's POST /qr/scan, 24 h"),
      }),
    }),
    user_activity: Type.Object({
      user_behavior: Type.Object({
        most_active_users: NullableList(
          Type.Object({
            user_id: Type.Integer(),
            name: Type.String(),
            surname: Type.String(),
            check_ins: Count,
          }),
          'users with the most check-ins over `days`, at most `limit`',
        ),
        activity_by_time_slot: NullableList(
          Type.Object({ hour: HourOfDay, logins: Count }),
          'successful logins by hour of the day (in `timezone`) over `days`, all 24 hours',
        ),
        feature_usage: NullableList(
          Type.Object({ service: Type.String(), requests: Count }),
          'API requests each service answered in the last 24 h, most first',
        ),
      }),
    }),
    event_insights: Type.Object({
      attendance_stats: Type.Object({
        total_events_24h: NullableInteger('events open for check-in during the last 24 h'),
        attendance_rate_percent: Percentage(
          "present share of those events' attendance records (there is no roster of invitees)",
        ),
        peak_attendance_hours: NullableList(
          Type.Object({ hour: HourOfDay, check_ins: Count }),
          'hours of the day (in `timezone`) with the most check-ins over `days`, at most `limit`',
        ),
        department_stats: NullableList(
          Type.Object({ department: Type.String() }, { additionalProperties: true }),
          'always null: users have no department',
        ),
      }),
    }),
    usage_patterns: Type.Object({
      api_usage_stats: Type.Object({
        total_requests_24h: NullableInteger(
          'API requests the services answered in the last 24 h (scrapes, probes and /internal ' +
            'calls excluded; the gateway is not counted, so none is counted twice)',
        ),
        top_endpoints: NullableList(
          Type.Object({
            service: Type.String(),
            method: Type.String(),
            endpoint: Type.String({ description: 'route template, e.g. /users/:id' }),
            requests: Count,
          }),
          'the most requested routes in the last 24 h, at most `limit`',
        ),
        response_times_by_api: NullableList(
          Type.Object({
            api: Type.String({ description: 'the service' }),
            avg_response_ms: Type.Number(),
            p95_response_ms: Type.Union([Type.Number(), Type.Null()]),
          }),
          'per service over the last 24 h; services without a request are left out',
        ),
        errors_by_endpoint: NullableList(
          Type.Object({
            service: Type.String(),
            endpoint: Type.String(),
            error_count: Count,
            error_rate_percent: Type.Union([Type.Number(), Type.Null()]),
          }),
          'routes that answered 5xx in the last 24 h, most first, at most `limit`',
        ),
      }),
      database_metrics: Type.Object({
        ...DatabaseFigures,
        queries_per_second: NullableNumber('always null: not measured'),
        slow_query_threshold_seconds: Type.Number(),
        databases: Type.Object(
          {
            auth_db: Type.Union([Type.Object(DatabaseFigures), Type.Null()]),
            user_db: Type.Union([Type.Object(DatabaseFigures), Type.Null()]),
          },
          { description: 'each database on its own; the figures above add both up' },
        ),
      }),
    }),
  },
  'Attendance, usage and database insights',
);
