// The Docker stack end to end: build and start it as a developer would (everything
// but Grafana and Portainer, which have no stand-in image on the CI machine), then, only
// through https://localhost (nginx, its self-signed certificate), use it as a person would;
// check Prometheus scrapes every target; run backups and a restore; and restart the stack
// keeping its volumes. Run with `make test-compose` (after
// `eval "$(../shared/tools/docker/up.sh --env)"` on the CI machine; anywhere Docker runs).
// The stack is a compose project of its own (COMPOSE_E2E_PROJECT), removed with its volumes
// at the end; a developer's own `docker compose` stack is never touched.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@cloud-backend/shared/dev';
import {
  ADMIN,
  DATABASES,
  PROJECT,
  SERVICES,
  api,
  call,
  compose,
  dumps,
  eventually,
  login,
  make,
  psql,
  rowCounts,
  seconds,
  stack,
} from './compose-stack.js';
import { metricNames, readYaml, repoPath } from './support.js';

const timings: string[] = [];
let failed = false;

describe(`the Docker stack (compose project ${PROJECT})`, () => {
  beforeAll(async () => {
    stack.ports = { http: await freePort(), https: await freePort(), prometheus: await freePort() };
    stack.backupDir = mkdtempSync(join(tmpdir(), 'cb-e2e-backups-'));
    await compose(['down', '--volumes', '--remove-orphans'], { allowFail: true });
    const started = performance.now();
    await compose(['build']);
    timings.push(`build: ${seconds(started)} s`);
    const up = performance.now();
    await compose(['up', '-d', '--wait', ...SERVICES]);
    timings.push(`up --wait (fresh volumes): ${seconds(up)} s; build + up: ${seconds(started)} s`);
    stack.certificate = (
      await compose(['exec', '-T', 'nginx', 'cat', '/etc/nginx/certs/fullchain.pem'])
    ).stdout;
  });

  afterAll(async () => {
    if (failed) {
      const logs = await compose(['logs', '--no-color', '--tail=80'], { allowFail: true });
      process.stdout.write(logs.stdout.slice(-20000));
    }
    if (process.env.COMPOSE_E2E_KEEP !== '1') {
      // The project's images too: each run's project name is new.
      await compose(['down', '--volumes', '--remove-orphans', '--rmi', 'local'], {
        allowFail: true,
      });
      rmSync(stack.backupDir, { recursive: true, force: true });
    }
    process.stdout.write(`\ncompose e2e timings (${PROJECT}):\n  ${timings.join('\n  ')}\n`);
  });

  const step = (name: string, body: () => Promise<void>) =>
    it(name, async () => {
      try {
        await body();
      } catch (err) {
        failed = true;
        throw err;
      }
    });

  step('every container is healthy', async () => {
    const ps = await compose(['ps', '--format', 'json']);
    const rows = ps.stdout
      .trim()
      .split('\n')
      .flatMap(
        (line) =>
          JSON.parse(line) as
            | { Service: string; Health: string }
            | { Service: string; Health: string }[],
      );
    expect(rows.map((row) => row.Service).sort()).toEqual([...SERVICES].sort());
    for (const row of rows) expect(row.Health, row.Service).toBe('healthy');
  });

  step('HTTP redirects to HTTPS, which sends HSTS', async () => {
    const redirect = await call('GET', `http://localhost:${stack.ports.http}/user/profile?x=1`);
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe(
      `https://localhost:${stack.ports.https}/user/profile?x=1`,
    );
    const health = await call('GET', api('/health'));
    expect(health.status, health.body).toBe(200);
    expect(health.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
    expect((await call('GET', api('/metrics'))).status).toBe(404);
    // The frontend's build is in the nginx image (when the workspace has a build script).
    const manifest = JSON.parse(readFileSync(repoPath('frontend/package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    };
    const home = await call('GET', api('/'));
    if (manifest.scripts?.build) {
      expect(home.status).toBe(200);
      expect(home.body).toMatch(/<!doctype html>/i);
      expect(home.headers['cache-control']).toBe('no-cache');
    } else {
      expect(home.status).toBe(404);
    }
    expect((await call('GET', api('/auth/metrics'))).status).toBe(404);
  });

  let adminToken = '';
  let aliceToken = '';
  let eventId = '';

  step('a user registers, the admin logs in and creates an event, the user checks in', async () => {
    const email = `alice-${PROJECT}@example.com`;
    const registered = await call('POST', api('/auth/register'), {
      body: {
        email,
        username: `alice_${PROJECT}`,
        password: 'alice-password-1',
        name: 'Alice',
        surname: 'Rossi',
        identifier: 'A1',
      },
    });
    expect(registered.status, registered.body).toBe(201);

    adminToken = await login(ADMIN.email, ADMIN.password);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome' }).format(new Date());
    const created = await call('POST', api('/user/qr/admin/generate'), {
      token: adminToken,
      body: { event_name: `Compose test ${PROJECT}`, date: today },
    });
    expect(created.status, created.body).toBe(201);
    const event = created.json() as { event_id: string; qr_content: string };
    eventId = event.event_id;

    aliceToken = await login(email, 'alice-password-1');
    // A non-admin is stopped at the gateway.
    expect((await call('GET', api('/user/qr/admin/events'), { token: aliceToken })).status).toBe(
      403,
    );
    const scanned = await call('POST', api('/user/qr/scan'), {
      token: aliceToken,
      body: { qr_content: JSON.parse(event.qr_content) as unknown },
    });
    expect(scanned.status, scanned.body).toBe(201);
    const again = await call('POST', api('/user/qr/scan'), {
      token: aliceToken,
      body: { qr_content: JSON.parse(event.qr_content) as unknown },
    });
    expect(again.status).toBe(409);

    const report = await call('GET', api(`/user/qr/admin/events/${eventId}/users`), {
      token: adminToken,
    });
    expect(report.status, report.body).toBe(200);
    const attendees = (report.json() as { users: { name: string; status: string }[] }).users;
    expect(attendees).toEqual([expect.objectContaining({ name: 'Alice', status: 'present' })]);
  });

  step('Prometheus reports every scrape target up', async () => {
    const targets = await eventually(
      'every target up',
      async () => {
        const reply = await fetch(`http://127.0.0.1:${stack.ports.prometheus}/api/v1/targets`);
        const body = (await reply.json()) as {
          data: { activeTargets: { labels: { job: string }; health: string }[] };
        };
        const all = body.data.activeTargets;
        return all.length === 7 && all.every((t) => t.health === 'up') ? all : undefined;
      },
      120_000,
    );
    expect(targets.map((t) => t.labels.job).sort()).toEqual([
      'auth-service',
      'dashboard-api',
      'gateway',
      'pg-backup',
      'prometheus',
      'social-log-service',
      'user-service',
    ]);
  });

  step("every metric the dashboards and alerts read is on some service's /metrics", async () => {
    const exposed = new Set<string>(['up']);
    for (const target of [
      'gateway:3000',
      'auth-service:3001',
      'user-service:3002',
      'social-log-service:3003',
      'dashboard-api:3005',
      'pg-backup:9188',
    ]) {
      const text = (
        await compose([
          'exec',
          '-T',
          'prometheus-service',
          'wget',
          '-q',
          '-O',
          '-',
          `http://${target}/metrics`,
        ])
      ).stdout;
      for (const match of text.matchAll(/^# TYPE (\S+) (\S+)/gm)) {
        const [, name = '', type] = match;
        exposed.add(name);
        if (type === 'histogram')
          for (const suffix of ['_bucket', '_sum', '_count']) exposed.add(name + suffix);
      }
    }
    const used = new Set<string>();
    const alerts = readYaml('monitoring/prometheus/alerts.yml') as {
      groups: { rules: { expr: string }[] }[];
    };
    for (const rule of alerts.groups.flatMap((g) => g.rules))
      for (const name of metricNames(rule.expr)) used.add(name);
    const dir = repoPath('monitoring/grafana/provisioning/dashboards');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const dashboard = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
        panels: { targets: { expr: string }[] }[];
      };
      for (const panel of dashboard.panels)
        for (const t of panel.targets) for (const name of metricNames(t.expr)) used.add(name);
    }
    const missing = [...used].filter((name) => !exposed.has(name));
    expect(missing).toEqual([]);
  });

  step('make migrate finds nothing left to apply in the running containers', async () => {
    const result = await make(['migrate']);
    expect(result.stdout.match(/0 migration\(s\) applied/g)).toHaveLength(3);
  });

  step(
    'a backup run makes three verified dumps; a sixth leaves five per database; the metric reaches Prometheus',
    async () => {
      // A fresh stack has no backup yet: pg-backup made one as it started (a missed run).
      const logs = await compose(['logs', '--no-color', 'pg-backup']);
      expect(logs.stdout).toContain('catch-up backup starting');
      const first = await make(['backup']);
      expect(first.stdout).toContain('all 3 database(s) backed up');
      for (const database of DATABASES) {
        expect(dumps(database).length, database).toBeGreaterThanOrEqual(1);
        expect(first.stdout).toMatch(
          new RegExp(`${database}: wrote ${database}_.*verified: restored with the same`),
        );
      }
      for (let run = 2; run <= 6; run++)
        await compose(['exec', '-T', '-u', 'node', 'pg-backup', 'backup.sh']);
      for (const database of DATABASES) expect(dumps(database), database).toHaveLength(5);

      const value = await eventually(
        'pg_backup_last_success_timestamp_seconds in Prometheus',
        async () => {
          const query = encodeURIComponent('pg_backup_last_success_timestamp_seconds');
          const reply = await fetch(
            `http://127.0.0.1:${stack.ports.prometheus}/api/v1/query?query=${query}`,
          );
          const body = (await reply.json()) as {
            data: { result: { metric: { database: string } }[] };
          };
          return body.data.result.length === 3 ? body.data.result : undefined;
        },
        150_000,
      );
      expect(value.map((r) => r.metric.database).sort()).toEqual([...DATABASES].sort());
    },
  );

  step('restore.sh into a scratch database gives back the same row counts', async () => {
    for (const [service, database] of [
      ['user-db', 'users_db'],
      ['auth-db', 'auth_logs_db'],
      ['social-log-db', 'social_logs_db'],
    ] as const) {
      const latest = dumps(database).sort().at(-1) ?? '';
      const scratch = `${database}_restore_check`;
      await compose([
        'exec',
        '-T',
        '-u',
        'node',
        'pg-backup',
        'restore.sh',
        database,
        latest,
        scratch,
      ]);
      const original = await rowCounts(service, database);
      expect(original, database).toMatch(/=[1-9]/);
      expect(await rowCounts(service, scratch), database).toBe(original);
    }
    // What was checked in is in the copy.
    expect(
      await psql(
        'user-db',
        'users_db_restore_check',
        `SELECT count(*) FROM attendance WHERE event_id = '${eventId}'`,
      ),
    ).toBe('1');
  });

  step('down keeps the volumes; up again keeps the data', async () => {
    await compose(['down']);
    const volumes = await new Promise<string>((resolve, reject) => {
      const child = spawn('docker', [
        'volume',
        'ls',
        '-q',
        '--filter',
        `label=com.docker.compose.project=${PROJECT}`,
      ]);
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.on('error', reject);
      child.on('exit', () => resolve(out));
    });
    for (const volume of [
      'auth_db_data',
      'user_db_data',
      'social_log_db_data',
      'prometheus_data',
      'nginx_certs',
    ]) {
      expect(volumes).toContain(`${PROJECT}_${volume}`);
    }
    const restart = performance.now();
    await compose(['up', '-d', '--wait', ...SERVICES]);
    timings.push(`up --wait (existing volumes, no build): ${seconds(restart)} s`);
    const history = await call('GET', api('/user/qr/attendance/history'), {
      token: await login(`alice-${PROJECT}@example.com`, 'alice-password-1'),
    });
    expect(history.status, history.body).toBe(200);
    expect(history.body).toContain(eventId);
    // The admin's session of before the restart is still valid (sessions live in auth-db).
    expect((await call('GET', api('/admin/users'), { token: adminToken })).status).toBe(200);
  });
});
