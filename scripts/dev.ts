/**
 * make dev / npm run dev: the whole backend on one machine. An embedded PostgreSQL (unless
 * AUTH_DATABASE_URL, USER_DATABASE_URL and SOCIAL_LOG_DATABASE_URL point elsewhere), then the
 * five services, their output prefixed in one terminal. Ctrl-C stops the services first, then
 * the database; a second Ctrl-C kills everything at once.
 *
 * PostgreSQL runs in a child process of its own (scripts/dev/postgres.ts), so the signal
 * handlers below are the only ones deciding how and when this process exits.
 */
import { readlinkSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { relative } from 'node:path';
import { bundleEntryPoints, bundlePath } from './dev/bundles.js';
import {
  describeExit,
  killGroup,
  launch,
  stopProcess,
  type ManagedProcess,
} from './dev/child-processes.js';
import { waitForHealth } from './dev/health.js';
import { bold, fail, registerNames, say, warn } from './dev/output.js';
import { buildFrontend } from './dev/frontend.js';
import { startPostgres } from './dev/postgres-process.js';
import { loadOrCreateSecrets } from './dev/secrets.js';
import {
  dataPath,
  partialExternalDatabases,
  readSettings,
  devAdmin,
  serviceEnvironments,
  SERVICES,
  SettingsError,
  type DatabaseUrls,
  type DevSettings,
} from './dev/settings.js';

const HEALTH_TIMEOUT_MS = 60_000;
const SERVICE_GRACE_MS = 10_000;
// PostgreSQL's fast shutdown is quick; this only bounds a wedged server.
const POSTGRES_GRACE_MS = 15_000;

const startedAt = performance.now();
let stopping = false;
let postgres: ManagedProcess | undefined;
const services: ManagedProcess[] = [];

// Read through a function: a signal can flip it during any await in main().
const isStopping = (): boolean => stopping;

function children(): ManagedProcess[] {
  return [...services, ...(postgres ? [postgres] : [])];
}

/** Services first, so they drain while their database is still there; then PostgreSQL. */
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.all(services.map((s) => stopProcess(s, SERVICE_GRACE_MS)));
  if (postgres) await stopProcess(postgres, POSTGRES_GRACE_MS);
  // A bad setting stops make dev before anything started: then there is nothing to report.
  if (children().length > 0 || code === 0) say('stopped');
  process.exit(code);
}

// One Ctrl-C under `npm run dev` arrives twice: from the terminal, and again forwarded by npm.
// Repeats this close together are that one key press, not the second Ctrl-C that kills.
const SAME_KEY_PRESS_MS = 500;
let firstSignalAt = 0;

function onSignal(signal: NodeJS.Signals): void {
  if (!stopping) {
    firstSignalAt = performance.now();
    say(`${signal}: stopping everything (press Ctrl-C again to kill it all at once)`);
    void shutdown(0);
    return;
  }
  if (firstSignalAt > 0 && performance.now() - firstSignalAt < SAME_KEY_PRESS_MS) return;
  warn(`second ${signal}: killing everything`);
  for (const child of children()) killGroup(child);
  process.exit(130);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
// Last resort for any way out that skipped shutdown(): nothing of ours outlives this process.
process.on('exit', () => {
  for (const child of children()) if (!child.hasExited()) killGroup(child);
});

/** A child that ends while nobody asked it to takes the whole stack down with exit code 1. */
function watch(managed: ManagedProcess): void {
  void managed.exited.then((status) => {
    if (stopping) return;
    fail(`${managed.name} stopped unexpectedly (${describeExit(status)}); stopping the rest`);
    void shutdown(1);
  });
}

/** Relative to the working directory when that is shorter, as .data/postgres usually is. */
function shortPath(path: string): string {
  const short = relative(process.cwd(), path);
  return short.startsWith('..') ? path : short;
}

/** The data folder, and where it really is when it is a link (as root, see the README). */
function describeDataFolder(path: string): string {
  try {
    return `${shortPath(path)} -> ${readlinkSync(path)}`;
  } catch {
    return shortPath(path); // a folder, not a link
  }
}

function describeDatabases(settings: DevSettings): string {
  if (!settings.externalDatabases) {
    const data = describeDataFolder(dataPath(settings, 'postgres'));
    const log = shortPath(dataPath(settings, 'postgres.log'));
    return `127.0.0.1:${settings.postgresPort} (embedded; data in ${data}, log in ${log})`;
  }
  const { auth, users, socialLogs } = settings.externalDatabases;
  const hostAndDatabase = (url: string): string => {
    try {
      const parsed = new URL(url);
      return `${parsed.host}${parsed.pathname}`;
    } catch {
      return '(unparseable URL)';
    }
  };
  return `external: ${[auth, users, socialLogs].map(hostAndDatabase).join(', ')}`;
}

function printUrls(settings: DevSettings, admin: { email: string; password: string }): void {
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  say(`all services healthy after ${seconds} s`);
  const row = (label: string, value: string) => `  ${label.padEnd(20)}${value}`;
  const lines = [
    '',
    bold('cloud-backend is running'),
    row('web app and API', `http://127.0.0.1:${settings.ports.gateway}/`),
    ...SERVICES.map((s) => row(s.name, `http://127.0.0.1:${settings.ports[s.name]}/health`)),
    row('PostgreSQL', describeDatabases(settings)),
    // Created on the first start only; a password changed later is not shown here.
    row('first admin', `${admin.email} / ${admin.password}`),
    '',
    'Press Ctrl-C to stop',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

async function main(): Promise<void> {
  registerNames(['dev', 'postgres', ...SERVICES.map((s) => s.name)]);
  if (partialExternalDatabases(process.env)) {
    warn(
      'only some of AUTH_DATABASE_URL, USER_DATABASE_URL, SOCIAL_LOG_DATABASE_URL are set; ' +
        'they are ignored and the embedded PostgreSQL is used (set all three to use your own)',
    );
  }
  const settings = readSettings(process.env);
  await mkdir(settings.dataDir, { recursive: true });
  const secrets = await loadOrCreateSecrets(settings.dataDir);
  const jwtSecret = settings.jwtSecretOverride ?? secrets.jwtSecret;
  await bundleEntryPoints();
  if (isStopping()) return;

  let databases: DatabaseUrls;
  if (settings.externalDatabases) {
    say('using the PostgreSQL servers from AUTH/USER/SOCIAL_LOG_DATABASE_URL');
    databases = settings.externalDatabases;
  } else {
    say(`starting PostgreSQL on 127.0.0.1:${settings.postgresPort}`);
    const started = startPostgres(settings, secrets);
    postgres = started.process;
    watch(postgres);
    databases = await started.ready;
  }
  if (isStopping()) return;

  const build = await buildFrontend(settings.frontendDir, () => say('building the web app'));
  if ('problem' in build) warn(`${build.problem}; the API starts without it`);
  else if (build.outcome === 'unchanged') say('the web app is unchanged since its last build');
  if (isStopping()) return;

  const admin = devAdmin(process.env, secrets.adminPassword);
  const environments = serviceEnvironments(process.env, settings, databases, {
    jwtSecret,
    internalToken: secrets.internalToken,
    admin,
  });
  for (const service of SERVICES) {
    const managed = launch({
      name: service.name,
      entry: bundlePath(service.name),
      env: environments[service.name],
    });
    services.push(managed);
    watch(managed);
  }

  const healthUrls = Object.fromEntries(
    SERVICES.map((s) => [s.name, `http://127.0.0.1:${settings.ports[s.name]}/health`]),
  );
  const missing = await waitForHealth(healthUrls, HEALTH_TIMEOUT_MS, isStopping);
  if (isStopping()) return;
  if (missing.length > 0) {
    fail(`no 200 from /health within ${HEALTH_TIMEOUT_MS / 1000} s: ${missing.join(', ')}`);
    await shutdown(1);
    return;
  }
  printUrls(settings, admin);
}

main().catch((err: unknown) => {
  if (isStopping()) return;
  const message = err instanceof Error ? err.message : String(err);
  fail(err instanceof SettingsError ? message : `make dev failed: ${message}`);
  void shutdown(1);
});
