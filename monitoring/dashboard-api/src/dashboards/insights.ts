import type { Collector } from '../collect/collector.js';
import { count, map, percent, round, scalar, unknown } from '../collect/values.js';
import { LOGINS_BY_HOUR_OF_DAY, type HourCount } from '../queries/auth-db.js';
import {
  averageMsByJob24h,
  averageScanMs,
  p95MsByJob24h,
  requestsByEndpoint24h,
  requestsByJob24h,
  scanSuccessPercent,
  serverErrorsByEndpoint24h,
  topEndpoints24h,
  totalRequests24h,
} from '../queries/promql.js';
import {
  ATTENDANCE_COUNTS,
  MOST_ACTIVE_USERS,
  PEAK_CHECK_IN_HOURS,
  SCANS_PER_HOUR,
  type ActiveUser,
  type AttendanceCounts,
  type HourlyScans,
} from '../queries/user-db.js';
import type { Sample } from '../sources/index.js';
import { databaseMetrics } from './database-metrics.js';

export interface InsightsOptions {
  /** Length of the top-N lists. */
  limit: number;
  /** Window of the lists that are not "24h": most active users, time slots, peak hours. */
  days: number;
  /** IANA zone of the hours of the day. */
  timezone: string;
}

const NO_SCANS = 'no QR scans in the last 24 hours';

const label = (sample: Sample, name: string) => sample.labels[name] ?? '';

/** Largest first, ties by name, so the order is stable between replies. */
function byCountThenName<T>(key: (item: T) => number, name: (item: T) => string) {
  return (a: T, b: T) => key(b) - key(a) || name(a).localeCompare(name(b));
}

async function qrAnalytics(
  c: Collector,
  options: InsightsOptions,
  counts: Promise<AttendanceCounts>,
) {
  const path = 'qr_analytics.qr_code_analytics';
  const [total, perHour, locations, successRate, scanTime] = await Promise.all([
    c.field(`${path}.total_scans_24h`, async () => (await counts).scans_24h),
    c.field(`${path}.scans_per_hour`, async () => {
      const rows = await c.sql<HourlyScans>('user_db', SCANS_PER_HOUR, [c.at, options.timezone]);
      return rows.map((row) => ({ hour: row.hour.toISOString(), scans: row.scans }));
    }),
    c.field(`${path}.top_scan_locations`, () =>
      unknown('not recorded: a check-in carries no location'),
    ),
    c.field(`${path}.scan_success_rate`, async () => {
      const value = scalar(await c.promql(scanSuccessPercent), {
        empty: 'no data: Prometheus has no qr_scans_total series',
        notFinite: NO_SCANS,
      });
      return map(value, round);
    }),
    c.field(`${path}.average_scan_time_ms`, async () => {
      const value = scalar(await c.promql(averageScanMs), {
        empty: 'no data: Prometheus has no POST /qr/scan durations from user-service',
        notFinite: NO_SCANS,
      });
      return map(value, round);
    }),
  ]);
  return {
    qr_code_analytics: {
      total_scans_24h: total,
      scans_per_hour: perHour,
      top_scan_locations: locations,
      scan_success_rate: successRate,
      average_scan_time_ms: scanTime,
    },
  };
}

async function userBehavior(c: Collector, options: InsightsOptions) {
  const path = 'user_activity.user_behavior';
  const [mostActive, timeSlots, features] = await Promise.all([
    c.field(`${path}.most_active_users`, () =>
      c.sql<ActiveUser>('user_db', MOST_ACTIVE_USERS, [c.at, options.days, options.limit]),
    ),
    c.field(`${path}.activity_by_time_slot`, async () => {
      const rows = await c.sql<HourCount>('auth_db', LOGINS_BY_HOUR_OF_DAY, [
        c.at,
        options.timezone,
        options.days,
      ]);
      return rows.map((row) => ({ hour: row.hour, logins: row.count }));
    }),
    c.field(`${path}.feature_usage`, async () => {
      const samples = await c.promql(requestsByJob24h);
      return samples
        .filter((sample) => Number.isFinite(sample.value))
        .map((sample) => ({ service: label(sample, 'job'), requests: count(sample.value) }))
        .sort(
          byCountThenName(
            (item) => item.requests,
            (item) => item.service,
          ),
        );
    }),
  ]);
  return {
    user_behavior: {
      most_active_users: mostActive,
      activity_by_time_slot: timeSlots,
      feature_usage: features,
    },
  };
}

async function eventInsights(
  c: Collector,
  options: InsightsOptions,
  counts: Promise<AttendanceCounts>,
) {
  const path = 'event_insights.attendance_stats';
  const [events, rate, peaks, departments] = await Promise.all([
    c.field(`${path}.total_events_24h`, async () => (await counts).events_24h),
    c.field(`${path}.attendance_rate_percent`, async () => {
      const { present_24h: present, records_24h: records } = await counts;
      return percent(
        present,
        records,
        'no attendance recorded for the events of the last 24 hours',
      );
    }),
    c.field(`${path}.peak_attendance_hours`, async () => {
      const rows = await c.sql<HourCount>('user_db', PEAK_CHECK_IN_HOURS, [
        c.at,
        options.timezone,
        options.days,
        options.limit,
      ]);
      return rows.map((row) => ({ hour: row.hour, check_ins: row.count }));
    }),
    c.field(`${path}.department_stats`, () => unknown('not recorded: users have no department')),
  ]);
  return {
    attendance_stats: {
      total_events_24h: events,
      attendance_rate_percent: rate,
      peak_attendance_hours: peaks,
      department_stats: departments,
    },
  };
}

async function apiUsage(c: Collector, options: InsightsOptions) {
  const path = 'usage_patterns.api_usage_stats';
  const [total, top, times, errors] = await Promise.all([
    c.field(`${path}.total_requests_24h`, async () => {
      const value = scalar(await c.promql(totalRequests24h), {
        empty: 'no data: Prometheus has no http_requests_total and no target for the services',
      });
      return map(value, count);
    }),
    c.field(`${path}.top_endpoints`, async () => {
      const samples = await c.promql(topEndpoints24h(options.limit));
      return samples
        .map((sample) => ({
          service: label(sample, 'job'),
          method: label(sample, 'method'),
          endpoint: label(sample, 'endpoint'),
          requests: count(sample.value),
        }))
        .filter((item) => item.requests > 0)
        .sort(
          byCountThenName(
            (item) => item.requests,
            (item) => item.service + item.endpoint,
          ),
        );
    }),
    c.field(`${path}.response_times_by_api`, async () => {
      const [averages, p95s] = await Promise.all([
        c.promql(averageMsByJob24h),
        c.promql(p95MsByJob24h),
      ]);
      const p95ByJob = new Map(p95s.map((sample) => [label(sample, 'job'), sample.value]));
      // A service that answered nothing in 24 h has no average: it is left out.
      return averages
        .filter((sample) => Number.isFinite(sample.value))
        .map((sample) => {
          const p95 = p95ByJob.get(label(sample, 'job'));
          return {
            api: label(sample, 'job'),
            avg_response_ms: round(sample.value),
            p95_response_ms: p95 !== undefined && Number.isFinite(p95) ? round(p95) : null,
          };
        })
        .sort((a, b) => a.api.localeCompare(b.api));
    }),
    c.field(`${path}.errors_by_endpoint`, async () => {
      const [failures, totals] = await Promise.all([
        c.promql(serverErrorsByEndpoint24h),
        c.promql(requestsByEndpoint24h),
      ]);
      const key = (sample: Sample) => `${label(sample, 'job')} ${label(sample, 'endpoint')}`;
      const totalByKey = new Map(totals.map((sample) => [key(sample), sample.value]));
      return failures
        .map((sample) => {
          const all = totalByKey.get(key(sample)) ?? 0;
          return {
            service: label(sample, 'job'),
            endpoint: label(sample, 'endpoint'),
            error_count: count(sample.value),
            error_rate_percent: all > 0 ? round((sample.value / all) * 100) : null,
          };
        })
        .filter((item) => item.error_count > 0)
        .sort(
          byCountThenName(
            (item) => item.error_count,
            (item) => item.service + item.endpoint,
          ),
        )
        .slice(0, options.limit);
    }),
  ]);
  return {
    total_requests_24h: total,
    top_endpoints: top,
    response_times_by_api: times,
    errors_by_endpoint: errors,
  };
}

/** GET /api/dashboard/insights: attendance from user-service's DB, usage from Prometheus. */
export async function insightsData(c: Collector, options: InsightsOptions) {
  const counts = c.shared(async () => {
    const [row] = await c.sql<AttendanceCounts>('user_db', ATTENDANCE_COUNTS, [c.at]);
    if (!row) throw new Error('an aggregate query returned no row');
    return row;
  });
  const [qr, behavior, events, usage, databases] = await Promise.all([
    qrAnalytics(c, options, counts),
    userBehavior(c, options),
    eventInsights(c, options, counts),
    apiUsage(c, options),
    databaseMetrics(c),
  ]);
  return {
    qr_analytics: qr,
    user_activity: behavior,
    event_insights: events,
    usage_patterns: { api_usage_stats: usage, database_metrics: databases },
  };
}
