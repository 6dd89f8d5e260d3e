import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The one registry of the process. Metric names, types, label names and label order are those
 * of the original's shared metrics module (docs/compatibility.md#metric-names) so its dashboards
 * and queries keep working.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

/** The original's metric names, which every service's /metrics declares. */
export const ORIGINAL_METRIC_NAMES = [
  'http_requests_total',
  'http_request_duration_seconds',
  'auth_attempts_total',
  'jwt_validation_total',
  'qr_scans_total',
  'qr_events_total',
  'active_users_total',
  'database_connections_active',
  'system_errors_total',
  'attendance_events_active',
  'gateway_proxy_requests_total',
] as const;

type PoolSize = () => { service: string; database: string; open: number };
const poolReporters = new Set<PoolSize>();

export const metrics = {
  httpRequestsTotal: new Counter({
    registers: [registry],
    name: 'http_requests_total',
    help: 'Total number of HTTP requests',
    labelNames: ['method', 'endpoint', 'status_code', 'service'] as const,
  }),
  httpRequestDuration: new Histogram({
    registers: [registry],
    name: 'http_request_duration_seconds',
    help: 'Duration of HTTP requests in seconds',
    labelNames: ['method', 'endpoint', 'service'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  }),
  authAttemptsTotal: new Counter({
    registers: [registry],
    name: 'auth_attempts_total',
    help: 'Total number of authentication attempts',
    labelNames: ['status', 'service'] as const,
  }),
  jwtValidationTotal: new Counter({
    registers: [registry],
    name: 'jwt_validation_total',
    help: 'Total number of JWT validations',
    labelNames: ['status', 'service'] as const,
  }),
  qrScansTotal: new Counter({
    registers: [registry],
    name: 'qr_scans_total',
    help: 'Total number of QR code scans',
    labelNames: ['event_id', 'status', 'service'] as const,
  }),
  qrEventsTotal: new Counter({
    registers: [registry],
    name: 'qr_events_total',
    help: 'Total number of QR events created',
    labelNames: ['service'] as const,
  }),
  activeUsers: new Gauge({
    registers: [registry],
    name: 'active_users_total',
    help: 'Number of active users',
    labelNames: ['service'] as const,
  }),
  databaseConnections: new Gauge({
    registers: [registry],
    name: 'database_connections_active',
    help: 'Number of open database connections',
    labelNames: ['service', 'database'] as const,
    collect() {
      for (const report of poolReporters) {
        const { service, database, open } = report();
        this.set({ service, database }, open);
      }
    },
  }),
  systemErrorsTotal: new Counter({
    registers: [registry],
    name: 'system_errors_total',
    help: 'Total number of system errors',
    labelNames: ['service', 'error_type'] as const,
  }),
  attendanceEventsActive: new Gauge({
    registers: [registry],
    name: 'attendance_events_active',
    help: 'Number of active attendance events',
    labelNames: ['service'] as const,
  }),
  proxyRequestsTotal: new Counter({
    registers: [registry],
    name: 'gateway_proxy_requests_total',
    help: 'Total number of requests proxied through the gateway',
    labelNames: ['target_service', 'status_code'] as const,
  }),
  // Added by the port (not in the original): what the auth and audit dashboards and alerts need.
  accountLockoutsTotal: new Counter({
    registers: [registry],
    name: 'auth_account_lockouts_total',
    help: 'Accounts locked after too many failed logins',
    labelNames: ['service'] as const,
  }),
  auditOutboxPending: new Gauge({
    registers: [registry],
    name: 'audit_outbox_pending',
    help: 'Audit events written but not yet delivered to social-log-service',
    labelNames: ['service'] as const,
  }),
  // Per process, summed by dashboards: across user-service's replicas, `run` grows once per
  // period (only the leader runs it, docs/operations.md#running-replicas).
  userReconciliationsTotal: new Counter({
    registers: [registry],
    name: 'user_reconciliations_total',
    help: 'Periodic reconciliations of local users with auth: run (this replica leads), skipped (another leads) or failed',
    labelNames: ['service', 'outcome'] as const,
  }),
};

/**
 * Gauges that count rows of a database, not anything of the process: every replica of a service
 * reports the same value, so dashboards and alerts aggregate them with `max`, never `sum`
 * (docs/operations.md#running-replicas).
 */
export const DATABASE_WIDE_GAUGES = [
  'attendance_events_active',
  'active_users_total',
  'audit_outbox_pending',
] as const;

/** Reports a pool's open connections as database_connections_active until the returned fn runs. */
export function reportPoolSize(report: PoolSize): () => void {
  poolReporters.add(report);
  return () => poolReporters.delete(report);
}

export function recordAuthAttempt(success: boolean, service: string): void {
  metrics.authAttemptsTotal.inc({ status: success ? 'success' : 'failed', service });
}

export function recordJwtValidation(success: boolean, service: string): void {
  metrics.jwtValidationTotal.inc({ status: success ? 'success' : 'failed', service });
}

export function recordSystemError(errorType: string, service: string): void {
  metrics.systemErrorsTotal.inc({ service, error_type: errorType });
}
