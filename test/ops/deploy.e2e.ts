// scripts/deploy/deploy.sh against a real compose stack (docs/operations.md#releases): a
// throwaway "server checkout" (a git repository with the compose files, a production .env and
// a certificate), images built once from this repository and tagged as the releases A, B and
// C (C's user-service applies a new migration, then exits), and the script fed to `bash -s`
// as the deploy workflow does over SSH. A is deployed first; rows are written; C fails and
// is rolled back to A automatically, with every row still there; the restore commands the
// script prints bring the pre-release backup back; then B, after A, deploys. Everything but
// Grafana and Portainer runs (no stand-in image of theirs here). The project and its images
// and volumes are removed at the end. Part of `make test-compose`.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@cloud-backend/shared/dev';
import { SERVICES, api, call, login, seconds, stack } from './compose-stack.js';
import { repoPath } from './support.js';

const PROJECT = `cbdeploy${randomBytes(3).toString('hex')}`;
const REGISTRY = `local/${PROJECT}`;
const IMAGES = [
  'gateway',
  'auth-service',
  'user-service',
  'social-log-service',
  'dashboard-api',
  'nginx',
  'pg-backup',
];
const FILES = ['docker-compose.yml', 'docker-compose.prod.yml', 'deploy-test.override.yml'];
// Release C's user-service: a migration that adds a column, then an exit before listening.
const C_MIGRATION = '9999999999999_release-c-column';
// Production refuses the published development secrets: the admin's password is the test's own.
const ADMIN = { email: 'admin@example.com', password: randomBytes(12).toString('hex') };
const NODE_SERVICES = IMAGES.filter((image) => image !== 'nginx' && image !== 'pg-backup');
const READY_CHECK = [
  'CMD',
  'node',
  '-e',
  "fetch('http://127.0.0.1:'+process.env.PORT+'/health/ready',{signal:AbortSignal.timeout(25000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))",
];
const SCRIPT = readFileSync(repoPath('scripts/deploy/deploy.sh'), 'utf8');

const root = mkdtempSync(join(tmpdir(), 'cb-deploy-'));
const checkout = join(root, 'server');
const releases = { A: '', B: '', C: '' };
const timings: string[] = [];
let failed = false;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(
  command: string,
  args: string[],
  options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv; echo?: boolean } = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? checkout,
      env: options.env ?? serverEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (options.echo)
        process.stdout.write(`\n$ ${command} ${args.join(' ')}\n${stdout}${stderr}`);
      resolve({ code: code ?? 1, stdout, stderr });
    });
    // A command may exit without reading its input (EPIPE); its exit code is what counts.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

async function must(command: string, args: string[], cwd?: string): Promise<string> {
  const result = await exec(command, args, { cwd });
  if (result.code !== 0)
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.code}:\n${result.stderr.slice(-4000)}`,
    );
  return result.stdout;
}

/** The environment the deploy script runs in on "the server". */
function serverEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    COMPOSE_PROJECT_NAME: PROJECT,
    DEPLOY_COMPOSE_FILES: FILES.join(' '),
    DEPLOY_SERVICES: SERVICES.join(' '),
    // The images are on this host already (nothing can be pulled here).
    DEPLOY_PULL: '0',
    // The engine is shared: no image prune.
    DEPLOY_PRUNE: '0',
    // Generous: the test machine's cores are shared, and a healthcheck or a database
    // connection may time out there for minutes (a service restarted a few times is normal).
    DEPLOY_WAIT_TIMEOUT: '900',
    DEPLOY_MAX_RESTARTS: '5',
  };
}

/** docker compose in the server's checkout, with its files, at a tag. */
async function compose(args: string[], tag = releases.A): Promise<string> {
  const result = await exec('docker', ['compose', ...FILES.flatMap((f) => ['-f', f]), ...args], {
    env: { ...serverEnv(), IMAGE_TAG: tag },
  });
  if (result.code !== 0)
    throw new Error(
      `docker compose ${args.join(' ')} exited ${result.code}:\n${result.stderr.slice(-4000)}`,
    );
  return result.stdout;
}

/** deploy.sh TAG, piped to `bash -s` as the workflow runs it over SSH. */
async function deploy(tag: string): Promise<Result & { output: string }> {
  const started = performance.now();
  const result = await exec('bash', ['-s', '--', tag, checkout], { input: SCRIPT, cwd: root });
  timings.push(`deploy ${tag.slice(0, 7)}: exit ${result.code}, ${seconds(started)} s`);
  process.stdout.write(`\n--- deploy.sh ${tag}\n${result.stdout}${result.stderr}`);
  return { ...result, output: result.stdout + result.stderr };
}

const psql = async (service: string, database: string, sql: string) =>
  (
    await compose(['exec', '-T', service, 'psql', '-U', 'postgres', '-d', database, '-Atqc', sql])
  ).trim();

/** The containers of the project: service -> "state health image". */
async function containers(): Promise<Record<string, string>> {
  const out = await compose([
    'ps',
    '-a',
    '--format',
    '{{.Service}} {{.State}} {{.Health}} {{.Image}}',
  ]);
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [service = '', ...rest] = line.split(' ');
        return [service, rest.join(' ')];
      }),
  );
}

/** Every service runs, healthy, and the project's images are at `tag`. */
async function expectRunning(tag: string): Promise<void> {
  const all = await containers();
  expect(Object.keys(all).sort()).toEqual([...SERVICES].sort());
  for (const service of SERVICES) {
    const [state, health, image] = (all[service] ?? '').split(' ');
    expect(`${service} ${state} ${health}`).toBe(`${service} running healthy`);
    if (IMAGES.includes(service)) expect(image).toBe(`${REGISTRY}/${service}:${tag}`);
  }
}

const readCheckout = (name: string) => readFileSync(join(checkout, name), 'utf8').trim();
const head = async () => (await must('git', ['rev-parse', 'HEAD'])).trim();

async function commit(message: string): Promise<string> {
  await must('git', ['add', '-A']);
  await must('git', [
    '-c',
    'user.name=test',
    '-c',
    'user.email=test@example.com',
    'commit',
    '-qm',
    message,
  ]);
  return head();
}

describe(`deploy.sh: release, automatic rollback, pre-release backup (compose project ${PROJECT})`, () => {
  beforeAll(async () => {
    stack.ports = { http: await freePort(), https: await freePort(), prometheus: await freePort() };
    stack.backupDir = join(root, 'backups');
    const certs = join(root, 'certs');
    mkdirSync(certs);
    await must(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost',
        '-keyout',
        join(certs, 'privkey.pem'),
        '-out',
        join(certs, 'fullchain.pem'),
      ],
      root,
    );
    stack.certificate = readFileSync(join(certs, 'fullchain.pem'), 'utf8');

    // The server's checkout: what a deployment reads of the repository.
    mkdirSync(checkout);
    for (const path of [
      'docker-compose.yml',
      'docker-compose.prod.yml',
      'postgres',
      'monitoring/prometheus',
    ])
      cpSync(repoPath(path), join(checkout, path), { recursive: true });
    writeFileSync(
      join(checkout, 'deploy-test.override.yml'),
      [
        '# The test server publishes nginx on loopback only, and its healthchecks have longer',
        "# to answer: the test machine's cores are shared (a timed-out check counts as failed;",
        "# the Node images' own check gives /health/ready 4 s, here 25 s).",
        'services:',
        ...SERVICES.flatMap((service) => [
          `  ${service}:`,
          '    healthcheck:',
          '      timeout: 30s',
          ...(NODE_SERVICES.includes(service)
            ? [`      test: ${JSON.stringify(READY_CHECK)}`]
            : []),
          ...(service === 'nginx'
            ? [
                '    ports: !override',
                '      - 127.0.0.1:${HTTP_PORT}:80',
                '      - 127.0.0.1:${HTTPS_PORT}:443',
              ]
            : []),
        ]),
        '',
      ].join('\n'),
    );
    const secret = () => randomBytes(16).toString('hex');
    // The subnet must not clash with another stack on the shared engine.
    const [second = 0, third = 0] = randomBytes(2);
    const subnet = `10.${200 + (second % 50)}.${third}.0/24`;
    writeFileSync(
      join(checkout, '.env'),
      Object.entries({
        COMPOSE_PROJECT_NAME: PROJECT,
        IMAGE_REGISTRY: REGISTRY,
        SERVER_NAME: 'localhost',
        CORS_ORIGINS: `https://localhost:${stack.ports.https}`,
        TLS_CERT_DIR: certs,
        HTTP_PORT: stack.ports.http,
        HTTPS_PORT: stack.ports.https,
        PROMETHEUS_PORT: stack.ports.prometheus,
        BACKUP_HOST_DIR: stack.backupDir,
        MICROSERVICES_SUBNET: subnet,
        JWT_SECRET: secret(),
        INTERNAL_API_TOKEN: secret(),
        MFA_ENCRYPTION_KEY: secret(),
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        POSTGRES_PASSWORD: secret(),
        AUTH_DB_PASSWORD: secret(),
        AUTH_DB_READONLY_PASSWORD: secret(),
        USER_DB_PASSWORD: secret(),
        USER_DB_READONLY_PASSWORD: secret(),
        SOCIAL_LOG_DB_PASSWORD: secret(),
        SOCIAL_LOG_DB_APP_PASSWORD: secret(),
        GRAFANA_ADMIN_PASSWORD: secret(),
        // The test's requests all come from one address, and it measures no hashing.
        RATE_LIMIT_LOGIN_MAX: 100,
        RATE_LIMIT_REGISTER_MAX: 100,
        BCRYPT_COST: 4,
      })
        .map(([name, value]) => `${name}=${value}`)
        .join('\n') + '\n',
    );
    await must('git', ['init', '-q']);
    releases.A = await commit('release A');
    writeFileSync(join(checkout, 'deploy-test.override.yml'), '# release C\n', { flag: 'a' });
    releases.C = await commit('release C');
    writeFileSync(join(checkout, 'deploy-test.override.yml'), '# release B\n', { flag: 'a' });
    releases.B = await commit('release B');
    await must('git', ['checkout', '-q', '--detach', releases.A]);

    // One build, tagged as each release; C's user-service is derived from A's.
    const started = performance.now();
    await exec('docker', ['compose', '-p', PROJECT, 'build', ...IMAGES], { cwd: repoPath() }).then(
      (result) => {
        if (result.code !== 0) throw new Error(`build failed:\n${result.stderr.slice(-4000)}`);
      },
    );
    for (const image of IMAGES)
      for (const tag of [releases.A, releases.B, releases.C])
        await must('docker', ['tag', `${PROJECT}-${image}`, `${REGISTRY}/${image}:${tag}`]);
    const failing = join(root, 'release-c');
    mkdirSync(failing);
    writeFileSync(
      join(failing, `${C_MIGRATION}.sql`),
      '-- Up Migration\nALTER TABLE attendance ADD COLUMN release_c_note text;\n\n' +
        '-- Down Migration\nALTER TABLE attendance DROP COLUMN release_c_note;\n',
    );
    writeFileSync(
      join(failing, 'Dockerfile'),
      [
        `FROM ${REGISTRY}/user-service:${releases.A}`,
        `COPY ${C_MIGRATION}.sql migrations/`,
        `CMD ["sh", "-c", "node ../shared/dist/migrate-command.js up && echo 'release C: migrated, now failing' >&2 && exit 1"]`,
        '',
      ].join('\n'),
    );
    await must('docker', ['build', '-q', '-t', `${REGISTRY}/user-service:${releases.C}`, failing]);
    timings.push(`images (build, tags, release C): ${seconds(started)} s`);
  });

  afterAll(async () => {
    if (failed) {
      const logs = await compose(['logs', '--no-color', '--tail=60']).catch(String);
      process.stdout.write(logs.slice(-20000));
    }
    if (existsSync(join(checkout, '.env')))
      await compose(['down', '--volumes', '--remove-orphans']).catch(() => undefined);
    const tags = IMAGES.flatMap((image) => [
      `${PROJECT}-${image}`,
      ...Object.values(releases)
        .filter(Boolean)
        .map((tag) => `${REGISTRY}/${image}:${tag}`),
    ]);
    await exec('docker', ['rmi', '--force', ...tags], { cwd: root });
    rmSync(root, { recursive: true, force: true });
    process.stdout.write(`\ndeploy e2e timings (${PROJECT}):\n  ${timings.join('\n  ')}\n`);
  });

  // Each step may take a backup, a release's wait (DEPLOY_WAIT_TIMEOUT) and a rollback's.
  const step = (name: string, body: () => Promise<void>) =>
    it(
      name,
      async () => {
        try {
          await body();
        } catch (err) {
          failed = true;
          throw err;
        }
      },
      30 * 60_000,
    );

  let eventId = '';
  let qrContent: unknown;
  let adminToken = '';
  const alice = { email: `alice-${PROJECT}@example.com`, password: 'alice-password-1' };

  async function newEvent(name: string): Promise<{ id: string; qr: unknown }> {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome' }).format(new Date());
    const created = await call('POST', api('/user/qr/admin/generate'), {
      token: adminToken,
      body: { event_name: name, date: today },
    });
    expect(created.status, created.body).toBe(201);
    const event = created.json() as { event_id: string; qr_content: string };
    return { id: event.event_id, qr: JSON.parse(event.qr_content) as unknown };
  }

  async function checkIn(qr: unknown): Promise<void> {
    const token = await login(alice.email, alice.password);
    const scanned = await call('POST', api('/user/qr/scan'), { token, body: { qr_content: qr } });
    expect(scanned.status, scanned.body).toBe(201);
  }

  async function history(): Promise<string> {
    const reply = await call('GET', api('/user/qr/attendance/history'), {
      token: await login(alice.email, alice.password),
    });
    expect(reply.status, reply.body).toBe(200);
    return reply.body;
  }

  const attendance = (where = 'true') =>
    psql('user-db', 'users_db', `SELECT count(*) FROM attendance WHERE ${where}`);
  const migrations = () => psql('user-db', 'users_db', 'SELECT name FROM pgmigrations ORDER BY id');

  step('the first deployment starts release A, with nothing to back up', async () => {
    const result = await deploy(releases.A);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('no release runs here yet: no database to back up');
    await expectRunning(releases.A);
    expect(readCheckout('.deployed-tag')).toBe(releases.A);
    expect(await head()).toBe(releases.A);
  });

  step('release A takes writes: an account, an event, a check-in', async () => {
    const registered = await call('POST', api('/auth/register'), {
      body: {
        email: alice.email,
        username: `alice_${PROJECT}`,
        password: alice.password,
        name: 'Alice',
        surname: 'Rossi',
        identifier: 'A1',
      },
    });
    expect(registered.status, registered.body).toBe(201);
    adminToken = await login(ADMIN.email, ADMIN.password);
    const event = await newEvent(`Before the deploy ${PROJECT}`);
    eventId = event.id;
    qrContent = event.qr;
    await checkIn(qrContent);
    expect(await attendance(`event_id = '${eventId}'`)).toBe('1');
  });

  let migrationsOfA = '';
  let restoreCommands = '';
  let afterRollback = '';

  step(
    'release C migrates, never becomes healthy, and is rolled back to A with every row kept',
    async () => {
      const before = await migrations();
      migrationsOfA = before;
      const result = await deploy(releases.C);
      expect(result.code, result.output).toBe(1);
      // The backup came first, verified, one dump per database.
      expect(result.output).toMatch(/pre-release backup of every database/);
      const backups = readCheckout('.deploy/pre-release-backup').split('\n');
      expect(backups.map((line) => line.split(' ')[0]).sort()).toEqual([
        'auth_logs_db',
        'social_logs_db',
        'users_db',
      ]);
      for (const line of backups)
        expect(existsSync(join(stack.backupDir, line.split(' ')[1] ?? ''))).toBe(true);
      expect(result.output).toContain(`FAILED: ${releases.C} did not become healthy`);
      expect(result.output).toContain(`rolled back: ${releases.A} runs again`);
      expect(result.output).toContain(`users_db: ${C_MIGRATION}`);
      await expectRunning(releases.A);
      // The checkout and the record did not move.
      expect(await head()).toBe(releases.A);
      expect(readCheckout('.deployed-tag')).toBe(releases.A);
      expect(readCheckout('.deploy/history')).toContain(`failed; rolled back to ${releases.A}`);

      // C's migration stays applied (nothing is migrated down), A runs on it,
      expect(await migrations()).toBe(`${before}\n${C_MIGRATION}`);
      // no row written before the deploy is lost,
      expect(await attendance(`event_id = '${eventId}'`)).toBe('1');
      expect(await history()).toContain(eventId);
      // and A still writes to the schema C migrated.
      const after = await newEvent(`After the rollback ${PROJECT}`);
      afterRollback = after.id;
      await checkIn(after.qr);
      expect(await attendance(`event_id = '${after.id}'`)).toBe('1');

      // The indented lines after the offer to restore are the commands to run.
      const offer = result.stdout.split('\n');
      const start = offer.findIndex((line) =>
        line.includes('to return the databases to the pre-release backup'),
      );
      expect(start).toBeGreaterThan(0);
      const commands: string[] = [];
      for (const line of offer.slice(start + 1)) {
        if (!line.startsWith('  ')) break;
        commands.push(line.trim());
      }
      expect(commands.filter((line) => line.includes('restore.sh'))).toHaveLength(3);
      restoreCommands = commands.join('\n');
    },
  );

  step('the restore commands the rollback printed bring the pre-release backup back', async () => {
    const started = performance.now();
    const restored = await exec('bash', ['-euo', 'pipefail', '-c', restoreCommands], { cwd: root });
    timings.push(`printed restore commands: exit ${restored.code}, ${seconds(started)} s`);
    expect(restored.code, restored.stdout + restored.stderr).toBe(0);
    await expectRunning(releases.A);
    // C's migration is gone with its column, and so is what was written after the backup.
    expect(await migrations()).toBe(migrationsOfA);
    expect(await attendance(`event_id = '${afterRollback}'`)).toBe('0');
    expect(await attendance(`event_id = '${eventId}'`)).toBe('1');
    expect(await history()).toContain(eventId);
  });

  step('release B, after A, deploys; the checkout moves to it', async () => {
    const result = await deploy(releases.B);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/pre-release backup of every database/);
    await expectRunning(releases.B);
    expect(await head()).toBe(releases.B);
    expect(readCheckout('.deployed-tag')).toBe(releases.B);
    expect(readCheckout('.deployed-tag.previous')).toBe(releases.A);
    expect(await attendance(`event_id = '${eventId}'`)).toBe('1');
    expect(await history()).toContain(eventId);
  });
});
