import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DATABASE_WIDE_GAUGES, registry } from '@cloud-backend/shared';
import { metricNames, readRepoFile, readYaml, repoPath, run, requireTool } from './support.js';
// The gateway's own metrics (the revocation list's age, rate-limit store errors) register when
// their modules load.
import '../../gateway/src/revocations/metrics.js';
import '../../gateway/src/rate-limits/fallback-store.js';

// What the services expose (shared's registry: the original's names, the port's additions and the
// default process metrics), what pg-backup's exporter writes, and Prometheus' own series.
async function knownMetrics(): Promise<Set<string>> {
  const names = new Set<string>(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);
  for (const metric of await registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
    }
  }
  const exporter = run('node', [repoPath('pg-backup/pg-backup.js'), 'metrics'], {
    env: {
      ...process.env,
      BACKUP_DIR: '/nonexistent',
      BACKUP_DATABASE_URLS: 'postgres://u:p@h:5432/some_db',
    },
  });
  expect(exporter.status, exporter.output).toBe(0);
  for (const match of exporter.stdout.matchAll(/^# TYPE (\S+) /gm)) names.add(match[1] ?? '');
  // The next-run gauge is written only by the scheduler (serve), not by `metrics`.
  names.add('pg_backup_next_run_timestamp_seconds');
  return names;
}

interface Rule {
  alert?: string;
  expr: string;
}

function alertRules(): Rule[] {
  const file = readYaml('monitoring/prometheus/alerts.yml') as {
    groups: { name: string; rules: Rule[] }[];
  };
  return file.groups.flatMap((group) => group.rules);
}

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: { refId: string; expr: string; datasource?: { uid: string } }[];
}

interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
}

const DASHBOARD_DIR = 'monitoring/grafana/provisioning/dashboards';

function dashboards(): { file: string; dashboard: Dashboard }[] {
  return readdirSync(repoPath(DASHBOARD_DIR))
    .filter((name) => name.endsWith('.json'))
    .map((file) => ({
      file,
      dashboard: JSON.parse(readRepoFile(`${DASHBOARD_DIR}/${file}`)) as Dashboard,
    }));
}

describe('Prometheus configuration', () => {
  it('passes promtool check config (which also checks the rule file)', () => {
    requireTool('promtool', 'prometheus');
    const result = run('promtool', ['check', 'config', 'monitoring/prometheus/prometheus.yml']);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain('SUCCESS');
  });

  it('passes promtool check rules', () => {
    requireTool('promtool', 'prometheus');
    const result = run('promtool', ['check', 'rules', 'monitoring/prometheus/alerts.yml']);
    expect(result.status, result.output).toBe(0);
  });

  it('scrapes every replica of every service on its own port, itself and pg-backup', () => {
    interface Job {
      job_name: string;
      static_configs?: { targets: string[] }[];
      dns_sd_configs?: { names: string[]; type: string; port: number }[];
    }
    const config = readYaml('monitoring/prometheus/prometheus.yml') as {
      rule_files: string[];
      scrape_configs: Job[];
    };
    // The services by DNS, each name giving every replica (docs/operations.md#running-replicas);
    // Prometheus and pg-backup, one of each, by name.
    const targets = (job: Job) =>
      job.dns_sd_configs
        ? job.dns_sd_configs.flatMap((sd) => sd.names.map((n) => `dns ${sd.type} ${n}:${sd.port}`))
        : (job.static_configs?.[0]?.targets ?? []);
    const jobs = Object.fromEntries(
      config.scrape_configs.map((job) => [job.job_name, targets(job)]),
    );
    expect(jobs).toEqual({
      prometheus: ['localhost:9090'],
      gateway: ['dns A gateway:3000'],
      'auth-service': ['dns A auth-service:3001'],
      'user-service': ['dns A user-service:3002'],
      'social-log-service': ['dns A social-log-service:3003'],
      'dashboard-api': ['dns A dashboard-api:3005'],
      'pg-backup': ['pg-backup:9188'],
    });
    expect(config.rule_files).toEqual(['alerts.yml']);
  });

  // docs/compatibility.md#fix-monitoring
  it('has the alerts for a target down, errors, latency, login failures and old backups', () => {
    const names = alertRules().map((rule) => rule.alert);
    for (const alert of [
      'TargetDown',
      'HighErrorRate',
      'HighLatencyP95',
      'LoginFailureSpike',
      'BackupTooOld',
    ]) {
      expect(names).toContain(alert);
    }
    const byName: Record<string, string> = Object.fromEntries(
      alertRules().map((rule) => [rule.alert ?? '', rule.expr]),
    );
    expect(byName.HighErrorRate).toMatch(/status_code=~"5\.\."/);
    expect(byName.HighErrorRate).toMatch(/> 0\.05/);
    expect(byName.HighLatencyP95).toMatch(/histogram_quantile\(0\.95/);
    expect(byName.HighLatencyP95).toMatch(/> 0\.5/);
    expect(byName.BackupTooOld).toMatch(/26 \* 3600/);
  });

  it('alerts only on metrics that exist', async () => {
    const known = await knownMetrics();
    for (const rule of alertRules()) {
      for (const name of metricNames(rule.expr)) {
        expect(known, `${rule.alert ?? '?'} reads ${name}`).toContain(name);
      }
    }
  });
});

describe('Grafana provisioning', () => {
  it('provisions the Prometheus data source the dashboards use', () => {
    const file = readYaml('monitoring/grafana/provisioning/datasources/prometheus.yml') as {
      apiVersion: number;
      datasources: { uid: string; type: string; url: string; isDefault: boolean }[];
    };
    expect(file.apiVersion).toBe(1);
    expect(file.datasources).toEqual([
      expect.objectContaining({
        uid: 'prometheus',
        type: 'prometheus',
        url: 'http://prometheus-service:9090',
        isDefault: true,
      }),
    ]);
  });

  it('has a dashboard provider reading the folder the dashboards are in', () => {
    const file = readYaml(`${DASHBOARD_DIR}/cloud-backend.yml`) as {
      apiVersion: number;
      providers: { type: string; options: { path: string } }[];
    };
    expect(file.apiVersion).toBe(1);
    expect(file.providers[0]?.type).toBe('file');
    // The compose file mounts monitoring/grafana/provisioning at /etc/grafana/provisioning.
    expect(file.providers[0]?.options.path).toBe('/etc/grafana/provisioning/dashboards');
    expect(readRepoFile('docker-compose.yml')).toContain(
      './monitoring/grafana/provisioning:/etc/grafana/provisioning:ro',
    );
  });

  it('has the four dashboards, in the bare JSON model (not the HTTP API wrapper)', () => {
    const all = dashboards();
    expect(all.map((d) => d.file).sort()).toEqual([
      'attendance.json',
      'auth.json',
      'backups.json',
      'overview.json',
    ]);
    const uids = new Set<string>();
    for (const { file, dashboard } of all) {
      expect(dashboard, file).not.toHaveProperty('dashboard');
      expect(dashboard.uid, file).toMatch(/^[a-z0-9-]{1,40}$/);
      expect(uids.has(dashboard.uid), `${file}: uid ${dashboard.uid} used twice`).toBe(false);
      uids.add(dashboard.uid);
      expect(dashboard.schemaVersion, file).toBeGreaterThanOrEqual(36);
      expect(dashboard.panels.length, file).toBeGreaterThan(3);
      const ids = dashboard.panels.map((panel) => panel.id);
      expect(new Set(ids).size, `${file}: panel ids are unique`).toBe(ids.length);
      for (const panel of dashboard.panels) {
        const where = `${file}: "${panel.title}"`;
        expect(panel.datasource?.uid, where).toBe('prometheus');
        expect(panel.gridPos.x + panel.gridPos.w, where).toBeLessThanOrEqual(24);
        expect(panel.targets?.length, where).toBeGreaterThan(0);
      }
    }
  });

  it('queries only metrics the services and pg-backup expose', async () => {
    const known = await knownMetrics();
    let queries = 0;
    for (const { file, dashboard } of dashboards()) {
      for (const panel of dashboard.panels) {
        for (const target of panel.targets ?? []) {
          const names = metricNames(target.expr);
          expect(names.length, `${file}: "${panel.title}" reads no metric`).toBeGreaterThan(0);
          for (const name of names) {
            expect(known, `${file}: "${panel.title}" reads ${name}`).toContain(name);
          }
          queries++;
        }
      }
    }
    expect(queries).toBeGreaterThan(20);
  });

  // Every replica reports the same database-wide count: a sum would show N times the events.
  it('takes the max of database-wide gauges, in dashboards and alerts, never their sum', () => {
    const queries = [
      ...dashboards().flatMap(({ dashboard }) =>
        dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((t) => t.expr)),
      ),
      ...alertRules().map((rule) => rule.expr),
    ];
    let checked = 0;
    for (const gauge of DATABASE_WIDE_GAUGES) {
      for (const expr of queries.filter((q) => metricNames(q).includes(gauge))) {
        expect(expr, `${gauge} in ${expr}`).toMatch(
          new RegExp(`\\bmax\\s*(?:by\\s*\\([^)]*\\)\\s*)?\\(${gauge}\\b`),
        );
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  it('reads the metric names out of PromQL', () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (service, le) (rate(http_request_duration_seconds_bucket{service="a"}[5m]))) > 0.5',
      ),
    ).toEqual(['http_request_duration_seconds_bucket']);
    expect(
      metricNames(
        '(pg_backup_configured unless on (database) pg_backup_last_success_timestamp_seconds) and on () time() > 1',
      ),
    ).toEqual(['pg_backup_configured', 'pg_backup_last_success_timestamp_seconds']);
    expect(
      metricNames('sum(increase(auth_attempts_total{status="failed"}[$__rate_interval]))'),
    ).toEqual(['auth_attempts_total']);
  });
});
