import { describe, expect, it } from 'vitest';
import { formatSize, round } from '../src/collect/values.js';
import { securityLevel } from '../src/dashboards/security.js';
import * as q from '../src/queries/promql.js';
import { readOnlyUrl } from '../src/sources/index.js';

// The PromQL the README documents, verbatim: a change here is a change of what a field means.
describe('PromQL', () => {
  it.each([
    [q.cpuUsagePercent('5m'), '100 * (1 - avg(rate(node_cpu_seconds_total{mode="idle"}[5m])))'],
    [q.memoryTotalBytes, 'sum(node_memory_MemTotal_bytes)'],
    [q.diskAvailableBytes, 'sum(node_filesystem_avail_bytes{mountpoint="/"})'],
    [
      q.upByJob,
      'max by (job) (up{job=~"auth-service|user-service|gateway|prometheus|social-log-service"})',
    ],
    [
      q.p95SecondsByJob('5m'),
      'histogram_quantile(0.95, sum by (job, le) (rate(http_request_duration_seconds_bucket{' +
        'job=~"auth-service|user-service|gateway|social-log-service",' +
        'endpoint!~"/metrics|/health|/health/ready|/internal/.*"}[5m])))',
    ],
    [
      q.jwtValidations24h('success'),
      '(sum(increase(jwt_validation_total{status="success"}[24h]))) or on() ' +
        '(0 * max(up{job=~"gateway"}))',
    ],
    [q.activeUsers, 'max(active_users_total{job="user-service"})'],
    [
      q.scanSuccessPercent,
      '100 * (sum(increase(qr_scans_total{status="success"}[24h])) or on() vector(0)) / ' +
        'sum(increase(qr_scans_total[24h]))',
    ],
  ])('%s', (actual, expected) => {
    expect(actual).toBe(expected);
  });
});

describe('security_level', () => {
  it.each([
    [0, null, 'LOW_RISK'], // the original said HIGH_RISK: no logins meant a 0 % success rate
    [6, null, 'MEDIUM_RISK'],
    [11, null, 'HIGH_RISK'],
    [0, 100, 'LOW_RISK'],
    [0, 84.99, 'MEDIUM_RISK'],
    [0, 69.99, 'HIGH_RISK'],
    [5, 85, 'LOW_RISK'],
  ] as const)('suspicious %d, success rate %s → %s', (suspicious, rate, level) => {
    expect(securityLevel(suspicious, rate)).toBe(level);
  });
});

describe('helpers', () => {
  it('formats sizes as PostgreSQL names them', () => {
    expect(formatSize(512)).toBe('512 B');
    expect(formatSize(8 * 1024 * 1024 + 400_000)).toBe('8.4 MB');
    expect(formatSize(2.5 * 1024 ** 3)).toBe('2.5 GB');
  });

  it('rounds to two decimals', () => {
    expect(round(85.714285)).toBe(85.71);
    expect(round(0.005)).toBe(0.01);
  });

  it('makes every transaction read-only, keeping other options', () => {
    expect(readOnlyUrl('postgres://u:p@h:5432/db')).toBe(
      'postgres://u:p@h:5432/db?options=-c+default_transaction_read_only%3Don',
    );
    const kept = new URL(
      readOnlyUrl('postgres://u:p@h/db?options=-c%20search_path%3Dx&sslmode=require'),
    );
    expect(kept.searchParams.get('options')).toBe(
      '-c search_path=x -c default_transaction_read_only=on',
    );
    expect(kept.searchParams.get('sslmode')).toBe('require');
  });
});
