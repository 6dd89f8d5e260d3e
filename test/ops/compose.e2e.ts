// The Docker stack end to end (issue 8): build and start it as a developer would (everything
// but Grafana and Portainer, which have no stand-in image on the CI machine), then, only
// through https://localhost (nginx, its self-signed certificate), use it as a person would;
// check Prometheus scrapes every target; run backups and a restore; and restart the stack
// keeping its volumes. Run with `make test-compose` (after
// `eval "$(../shared/tools/docker/up.sh --env)"` on the CI machine; anywhere Docker runs).
// The stack is a compose project of its own (COMPOSE_E2E_PROJECT), removed with its volumes
// at the end; a developer's own `docker compose` stack is never touched.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@cloud-backend/shared/dev';
import { metricNames, readYaml, repoPath } from './support.js';

const PROJECT = process.env.COMPOSE_E2E_PROJECT ?? `cbe2e${randomBytes(3).toString('hex')}`;
// Every service but the two without a stand-in image here.
const SERVICES = [
  'auth-db',
  'user-db',
  'social-log-db',
  'auth-service',
  'user-service',
  'social-log-service',
  'dashboard-api',
  'gateway',
  'nginx',
  'prometheus-service',
  'pg-backup',
];
const DATABASES = ['auth_logs_db', 'users_db', 'social_logs_db'];
const ADMIN = { email: 'admin@example.com', password: 'development-only-admin' };

interface Ports {
  http: number;
  https: number;
  prometheus: number;
}
let ports: Ports;
let backupDir: string;
let certificate = '';
const timings: string[] = [];
let failed = false;

function composeEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    COMPOSE_PROJECT_NAME: PROJECT,
    HTTP_PORT: String(ports.http),
    HTTPS_PORT: String(ports.https),
    PROMETHEUS_PORT: String(ports.prometheus),
    BACKUP_HOST_DIR: backupDir,
    CORS_ORIGINS: `https://localhost:${ports.https}`,
    // The test's own requests must not be rate-limited (they all come from one address).
    RATE_LIMIT_LOGIN_MAX: '100',
    RATE_LIMIT_REGISTER_MAX: '100',
    // Cheap hashing: the test measures the stack, not bcrypt.
    BCRYPT_COST: '4',
  };
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** docker compose …, for the test's project; rejects on a non-zero exit unless `allowFail`. */
function compose(
  args: string[],
  options: { input?: string; allowFail?: boolean } = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['compose', '-p', PROJECT, ...args], {
      cwd: repoPath(),
      env: composeEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const result = { code: code ?? 1, stdout, stderr };
      if (code === 0 || options.allowFail) resolve(result);
      else
        reject(
          new Error(`docker compose ${args.join(' ')} exited ${code}:\n${stderr.slice(-4000)}`),
        );
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A Make target of the repository against the test's project (COMPOSE_PROJECT_NAME). */
function make(args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn('make', ['--no-print-directory', ...args], {
      cwd: repoPath(),
      env: composeEnv(),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve({ code, stdout, stderr });
      else reject(new Error(`make ${args.join(' ')} exited ${code}:\n${stdout}${stderr}`));
    });
  });
}

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(0);

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: () => unknown;
}

/** A request to nginx on loopback, checking its certificate is the one it made for localhost. */
function call(
  method: string,
  url: string,
  options: { token?: string; body?: unknown } = {},
): Promise<Reply> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const send = secure ? httpsRequest : httpRequest;
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = send(
      {
        method,
        host: '127.0.0.1',
        port: target.port,
        path: target.pathname + target.search,
        headers: {
          host: `localhost:${target.port}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
        ...(secure ? { ca: certificate, servername: 'localhost' } : {}),
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text,
            json: () => JSON.parse(text) as unknown,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const api = (path: string) => `https://localhost:${ports.https}${path}`;

async function eventually<T>(
  what: string,
  attempt: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  throw new Error(
    `timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
  );
}

async function login(email: string, password: string): Promise<string> {
  const reply = await call('POST', api('/auth/login'), { body: { email, password } });
  expect(reply.status, reply.body).toBe(200);
  return (reply.json() as { token: string }).token;
}

async function psql(service: string, database: string, sql: string): Promise<string> {
  const result = await compose([
    'exec',
    '-T',
    service,
    'psql',
    '-U',
    'postgres',
    '-d',
    database,
    '-Atq',
    '-c',
    sql,
  ]);
  return result.stdout.trim();
}

/** Row counts of every table of a database, as "table=count" lines. */
async function rowCounts(service: string, database: string): Promise<string> {
  const tables = (
    await psql(
      service,
      database,
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
    )
  )
    .split('\n')
    .filter(Boolean);
  const counts: string[] = [];
  for (const table of tables) {
    counts.push(
      `${table}=${await psql(service, database, `SELECT count(*) FROM public."${table}"`)}`,
    );
  }
  return counts.join('\n');
}

const dumps = (database: string) =>
  readdirSync(backupDir).filter((name) =>
    new RegExp(`^${database}_\\d{4}-\\d{2}-\\d{2}_\\d{2}-\\d{2}-\\d{2}\\.sql\\.gz$`).test(name),
  );

describe(`the Docker stack (compose project ${PROJECT})`, () => {
  beforeAll(async () => {
    ports = { http: await freePort(), https: await freePort(), prometheus: await freePort() };
    backupDir = mkdtempSync(join(tmpdir(), 'cb-e2e-backups-'));
    await compose(['down', '--volumes', '--remove-orphans'], { allowFail: true });
    const started = performance.now();
    await compose(['build']);
    timings.push(`build: ${seconds(started)} s`);
    const up = performance.now();
    await compose(['up', '-d', '--wait', ...SERVICES]);
    timings.push(`up --wait (fresh volumes): ${seconds(up)} s; build + up: ${seconds(started)} s`);
    certificate = (await compose(['exec', '-T', 'nginx', 'cat', '/etc/nginx/certs/fullchain.pem']))
      .stdout;
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
      rmSync(backupDir, { recursive: true, force: true });
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
            { Service: string; Health: string } | { Service: string; Health: string }[],
      );
    expect(rows.map((row) => row.Service).sort()).toEqual([...SERVICES].sort());
    for (const row of rows) expect(row.Health, row.Service).toBe('healthy');
  });

  step('HTTP redirects to HTTPS, which sends HSTS', async () => {
    const redirect = await call('GET', `http://localhost:${ports.http}/user/profile?x=1`);
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe(`https://localhost:${ports.https}/user/profile?x=1`);
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
        const reply = await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/targets`);
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
      const first = await make(['backup']);
      expect(first.stdout).toContain('all 3 database(s) backed up');
      for (const database of DATABASES) {
        expect(dumps(database), database).toHaveLength(1);
        expect(first.stdout).toMatch(new RegExp(`${database}: wrote ${database}_.*verified`));
      }
      for (let run = 2; run <= 6; run++)
        await compose(['exec', '-T', '-u', 'node', 'pg-backup', 'backup.sh']);
      for (const database of DATABASES) expect(dumps(database), database).toHaveLength(5);

      const value = await eventually(
        'pg_backup_last_success_timestamp_seconds in Prometheus',
        async () => {
          const query = encodeURIComponent('pg_backup_last_success_timestamp_seconds');
          const reply = await fetch(
            `http://127.0.0.1:${ports.prometheus}/api/v1/query?query=${query}`,
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
