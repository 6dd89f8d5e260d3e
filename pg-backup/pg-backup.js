// The pg-backup container's process (docs/compatibility.md#fix-backups):
//   node pg-backup.js [serve]   write the libpq service file, run backup.sh on BACKUP_SCHEDULE
//                               (and at once when the last scheduled run was missed), serve
//                               /metrics (the pg_backup_* gauges) and /health
//   node pg-backup.js next [N]  print the next N times BACKUP_SCHEDULE fires
//   node pg-backup.js metrics   print the metrics once
//
// Settings (environment):
//   BACKUP_DATABASE_URLS  comma-separated postgres://user:password@host:port/database URLs;
//                         each becomes a libpq service named after its database, in
//                         PGSERVICEFILE (mode 600), so backup.sh and restore.sh never see a
//                         password on a command line
//   BACKUP_SCHEDULE       cron syntax, five fields or @daily/@hourly (default "0 2 * * *",
//                         in the time zone TZ, UTC by default)
//   BACKUP_DIR            where dumps go (/backups); BACKUP_KEEP (5), BACKUP_MAX_SHRINK and
//                         BACKUP_REMOTE… are read by backup.sh and remote.sh
//   BACKUP_GRACE_SECONDS  how long after a scheduled time its verified backup may take (7200):
//                         /health answers 503 once a database's newest verified backup is
//                         older than the last scheduled time that is this far in the past
//   METRICS_PORT          the port of /metrics and /health (9188)
// No dependency beyond Node itself.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath, URL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const env = process.env;
const BACKUP_DIR = env.BACKUP_DIR || '/backups';
const SCHEDULE = env.BACKUP_SCHEDULE || '0 2 * * *';
const SERVICE_FILE = env.PGSERVICEFILE || '/tmp/pg_service.conf';
const METRICS_PORT = Number(env.METRICS_PORT || 9188);
const GRACE_TEXT = env.BACKUP_GRACE_SECONDS || '7200';
const STARTED = Date.now() / 1000;

const say = (message) =>
  process.stdout.write(`${new Date().toISOString()} pg-backup: ${message}\n`);
const complain = (message) =>
  process.stderr.write(`${new Date().toISOString()} pg-backup: ERROR ${message}\n`);

// ---------------------------------------------------------------------------------- schedule

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
];
const MACROS = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** The set of values one cron field allows, or an Error naming the field. */
function parseField(text, { name, min, max }) {
  const values = new Set();
  for (const part of text.split(',')) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!match) throw new Error(`${name}: "${part}" is not a cron value`);
    const from = match[1] === '*' ? min : Number(match[2]);
    const to = match[1] === '*' ? max : match[3] !== undefined ? Number(match[3]) : from;
    const step = match[4] !== undefined ? Number(match[4]) : 1;
    const lastOfPlainStep = match[4] !== undefined && match[3] === undefined && match[1] !== '*';
    const end = lastOfPlainStep ? max : to;
    if (from < min || end > max || from > end || step < 1) {
      throw new Error(`${name}: "${part}" is outside ${min}-${max}`);
    }
    for (let value = from; value <= end; value += step) values.add(value);
  }
  return values;
}

/** A cron expression (five fields, or a macro) as sets of allowed values. */
function parseSchedule(expression) {
  const text = MACROS[expression.trim()] ?? expression.trim();
  const parts = text.split(/\s+/);
  if (parts.length !== 5) {
    throw new Error(
      `"${expression}" needs five fields: minute hour day-of-month month day-of-week`,
    );
  }
  const [minutes, hours, days, months, weekdays] = parts.map((part, i) =>
    parseField(part, FIELDS[i]),
  );
  if (weekdays.has(7)) weekdays.add(0);
  return {
    minutes,
    hours,
    days,
    months,
    weekdays,
    // cron's rule: when both day fields are restricted, either one matching is enough.
    anyDay: parts[2] !== '*' && parts[4] !== '*',
  };
}

/** The first minute strictly after `after` (local time, TZ) that the schedule allows. */
function nextRun(schedule, after) {
  const t = new Date(after.getTime());
  t.setSeconds(0, 0);
  t.setMinutes(t.getMinutes() + 1);
  // Five years of minutes covers every satisfiable expression (29 February included).
  for (let i = 0; i < 5 * 366 * 24 * 60; i++) {
    const dayOk = schedule.anyDay
      ? schedule.days.has(t.getDate()) || schedule.weekdays.has(t.getDay())
      : schedule.days.has(t.getDate()) && schedule.weekdays.has(t.getDay());
    if (!schedule.months.has(t.getMonth() + 1) || !dayOk) {
      t.setHours(0, 0, 0, 0);
      t.setDate(t.getDate() + 1);
      continue;
    }
    if (!schedule.hours.has(t.getHours())) {
      t.setMinutes(0, 0, 0);
      t.setHours(t.getHours() + 1);
      continue;
    }
    if (schedule.minutes.has(t.getMinutes())) return t;
    t.setMinutes(t.getMinutes() + 1);
  }
  throw new Error('the schedule never fires');
}

/** The last minute at or before `at` (local time, TZ) that the schedule allows. */
function previousRun(schedule, at) {
  const t = new Date(at.getTime());
  t.setSeconds(0, 0);
  for (let i = 0; i < 5 * 366 * 24 * 60; i++) {
    const dayOk = schedule.anyDay
      ? schedule.days.has(t.getDate()) || schedule.weekdays.has(t.getDay())
      : schedule.days.has(t.getDate()) && schedule.weekdays.has(t.getDay());
    if (!schedule.months.has(t.getMonth() + 1) || !dayOk) {
      // The last minute of the day before.
      t.setHours(0, 0, 0, 0);
      t.setMinutes(-1);
      continue;
    }
    if (!schedule.hours.has(t.getHours())) {
      t.setMinutes(0, 0, 0);
      t.setMinutes(-1);
      continue;
    }
    if (schedule.minutes.has(t.getMinutes())) return t;
    t.setMinutes(t.getMinutes() - 1);
  }
  throw new Error('the schedule never fires');
}

function graceSeconds() {
  if (!/^\d+$/.test(GRACE_TEXT)) {
    throw new Error(`BACKUP_GRACE_SECONDS: "${GRACE_TEXT}" is not a whole number of seconds`);
  }
  return Number(GRACE_TEXT);
}

/**
 * The databases whose newest verified backup is older than the schedule allows: the last
 * scheduled time that is at least `grace` seconds past must have a verified backup after it.
 * Within `grace` of the process' start nothing is late yet: the catch-up run is under way.
 */
function lateBackups(schedule, configured, grace, now = new Date()) {
  if (now.getTime() / 1000 < STARTED + grace) return [];
  const due = previousRun(schedule, new Date(now.getTime() - grace * 1000));
  return configured
    .map((database) => ({ database, lastSuccess: readState(database).last_success }))
    .filter(({ lastSuccess }) => lastSuccess === undefined || lastSuccess * 1000 < due.getTime())
    .map(({ database, lastSuccess }) => ({
      database,
      lastSuccess: lastSuccess === undefined ? null : new Date(lastSuccess * 1000).toISOString(),
      due: due.toISOString(),
    }));
}

// ------------------------------------------------------------------------------ service file

/** BACKUP_DATABASE_URLS as libpq services, one per database. */
function servicesFrom(urls) {
  const services = new Map();
  for (const raw of urls
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    let url;
    try {
      url = new URL(raw);
    } catch {
      throw new Error('BACKUP_DATABASE_URLS: an entry is not a URL');
    }
    if (!/^postgres(ql)?:$/.test(url.protocol)) {
      throw new Error('BACKUP_DATABASE_URLS: every entry must be a postgres:// URL');
    }
    const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
    if (!/^[A-Za-z0-9_]+$/.test(database)) {
      throw new Error(
        `BACKUP_DATABASE_URLS: "${database}" is not a database name (letters, digits, _)`,
      );
    }
    if (services.has(database)) {
      throw new Error(`BACKUP_DATABASE_URLS: ${database} is listed twice`);
    }
    const settings = {
      host: url.hostname,
      port: url.port || '5432',
      dbname: database,
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      sslmode: url.searchParams.get('sslmode') ?? '',
    };
    for (const value of Object.values(settings)) {
      if (/[\r\n]/.test(value)) throw new Error('BACKUP_DATABASE_URLS: a line break in a URL');
    }
    services.set(database, settings);
  }
  return services;
}

function writeServiceFile(services) {
  const lines = [];
  for (const [name, settings] of services) {
    lines.push(`[${name}]`);
    for (const [key, value] of Object.entries(settings)) if (value) lines.push(`${key}=${value}`);
    lines.push('');
  }
  writeFileSync(SERVICE_FILE, lines.join('\n'), { mode: 0o600 });
}

// ----------------------------------------------------------------------------------- metrics

function readState(database) {
  const file = join(BACKUP_DIR, '.state', `${database}.prom-state`);
  const state = {};
  if (!existsSync(file)) return state;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [key, value] = line.split('=');
    if (key && value !== undefined && value !== '' && Number.isFinite(Number(value))) {
      state[key] = Number(value);
    }
  }
  return state;
}

function keptDumps(database) {
  const pattern = new RegExp(`^${database}_\\d{4}-\\d{2}-\\d{2}_\\d{2}-\\d{2}-\\d{2}\\.sql\\.gz$`);
  try {
    return readdirSync(BACKUP_DIR).filter((name) => pattern.test(name)).length;
  } catch {
    return 0;
  }
}

function knownDatabases(configured) {
  const names = new Set(configured);
  try {
    for (const name of readdirSync(join(BACKUP_DIR, '.state'))) {
      const match = /^([A-Za-z0-9_]+)\.prom-state$/.exec(name);
      if (match?.[1]) names.add(match[1]);
    }
  } catch {
    // No backup has run yet.
  }
  return [...names].sort();
}

const GAUGES = [
  [
    'pg_backup_last_success_timestamp_seconds',
    'last_success',
    'Unix time of the last verified backup of the database',
  ],
  [
    'pg_backup_last_attempt_timestamp_seconds',
    'last_attempt',
    'Unix time the last backup of the database started',
  ],
  [
    'pg_backup_last_attempt_success',
    'last_attempt_ok',
    '1 if the last backup of the database succeeded, 0 if it failed',
  ],
  [
    'pg_backup_last_size_bytes',
    'last_size',
    'Size of the last verified dump of the database (gzip)',
  ],
  [
    'pg_backup_last_duration_seconds',
    'last_duration',
    'Time the last verified dump of the database took',
  ],
  [
    'pg_backup_last_rows',
    'last_rows',
    'Rows in the last verified dump of the database, every table restored and counted',
  ],
  [
    'pg_backup_suspicious',
    'suspicious',
    '1 if the last verified dump lost more than BACKUP_MAX_SHRINK of the rows of the last accepted one (it rotated nothing out)',
  ],
  [
    'pg_backup_remote_last_success_timestamp_seconds',
    'remote_last_success',
    'Unix time the last verified dump of the database reached BACKUP_REMOTE',
  ],
  [
    'pg_backup_remote_last_attempt_success',
    'remote_last_attempt_ok',
    '1 if the last copy of the database to BACKUP_REMOTE succeeded, 0 if it failed',
  ],
];

/** The Prometheus text exposition of every database's backup state. */
function renderMetrics(configured, nextAt) {
  const databases = knownDatabases(configured);
  const out = [];
  const label = (db) => `{database="${db}"}`;
  out.push('# HELP pg_backup_configured 1 for each database the schedule backs up');
  out.push('# TYPE pg_backup_configured gauge');
  for (const db of configured) out.push(`pg_backup_configured${label(db)} 1`);
  const states = new Map(databases.map((db) => [db, readState(db)]));
  for (const [name, key, help] of GAUGES) {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    // A database that never had a verified backup has no sample: no invented value.
    for (const db of databases) {
      const value = states.get(db)?.[key];
      if (value !== undefined) out.push(`${name}${label(db)} ${value}`);
    }
  }
  out.push('# HELP pg_backup_remote_configured 1 if verified dumps are copied to BACKUP_REMOTE');
  out.push('# TYPE pg_backup_remote_configured gauge');
  out.push(`pg_backup_remote_configured ${env.BACKUP_REMOTE ? 1 : 0}`);
  out.push('# HELP pg_backup_files Verified dumps of the database kept in the backup folder');
  out.push('# TYPE pg_backup_files gauge');
  for (const db of databases) out.push(`pg_backup_files${label(db)} ${keptDumps(db)}`);
  if (nextAt) {
    out.push('# HELP pg_backup_next_run_timestamp_seconds Unix time of the next scheduled run');
    out.push('# TYPE pg_backup_next_run_timestamp_seconds gauge');
    out.push(`pg_backup_next_run_timestamp_seconds ${Math.round(nextAt.getTime() / 1000)}`);
  }
  out.push(
    '# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.',
  );
  out.push('# TYPE process_start_time_seconds gauge');
  out.push(`process_start_time_seconds ${Math.round(STARTED)}`);
  return out.join('\n') + '\n';
}

// ------------------------------------------------------------------------------------- serve

// The backup.sh run under way, stopped with the process (its half-written dump and scratch
// database are cleaned up by the next run).
let current;

function runBackup() {
  return new Promise((resolve) => {
    const child = spawn('bash', [join(HERE, 'backup.sh')], {
      stdio: 'inherit',
      env: { ...env, PGSERVICEFILE: SERVICE_FILE, BACKUP_DIR },
    });
    current = child;
    child.on('exit', (code, signal) => {
      current = undefined;
      resolve(code ?? (signal ? 128 : 1));
    });
    child.on('error', (err) => {
      complain(`cannot run backup.sh: ${err.message}`);
      resolve(1);
    });
  });
}

function serve() {
  const services = servicesFrom(env.BACKUP_DATABASE_URLS ?? '');
  if (services.size === 0)
    throw new Error('BACKUP_DATABASE_URLS: missing; expected postgres:// URLs');
  const schedule = parseSchedule(SCHEDULE);
  const grace = graceSeconds();
  writeServiceFile(services);
  const configured = [...services.keys()];
  let nextAt = nextRun(schedule, new Date());
  let timer;
  let stopping = false;

  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/metrics') {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      response.end(renderMetrics(configured, nextAt));
    } else if (request.method === 'GET' && path === '/health') {
      const late = lateBackups(schedule, configured, grace);
      response.writeHead(late.length === 0 ? 200 : 503, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify(
          late.length === 0
            ? { service: 'pg-backup', status: 'healthy' }
            : {
                service: 'pg-backup',
                status: 'unhealthy',
                error: `No verified backup since the scheduled run of ${late[0]?.due ?? ''}`,
                code: 'BACKUP_STALE',
                late,
              },
        ),
      );
    } else {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'Not found', code: 'NOT_FOUND' }));
    }
  });
  server.listen(METRICS_PORT, '0.0.0.0');

  // A run missed while the job was down (or one that failed) is caught up at start: when a
  // database's newest verified backup predates the last scheduled time, or it has none.
  const lastDue = previousRun(schedule, new Date());
  const missed = configured.filter((database) => {
    const lastSuccess = readState(database).last_success;
    return lastSuccess === undefined || lastSuccess * 1000 < lastDue.getTime();
  });
  let catchUp = missed.length > 0;
  if (catchUp) {
    say(
      `no verified backup of ${missed.join(', ')} since the scheduled run of ` +
        `${lastDue.toISOString()}: backing up now`,
    );
  }

  const wait = () => {
    if (stopping) return;
    const remaining = catchUp ? 0 : nextAt.getTime() - Date.now();
    if (remaining > 0) {
      // In steps of at most a minute, so a changed clock (or a suspended host) is noticed.
      timer = setTimeout(wait, Math.min(remaining, 60_000));
      return;
    }
    say(catchUp ? 'catch-up backup starting' : 'scheduled backup starting');
    catchUp = false;
    void runBackup().then((code) => {
      if (code !== 0) complain(`backup exited with ${code}`);
      nextAt = nextRun(schedule, new Date());
      say(`next backup at ${nextAt.toISOString()}`);
      wait();
    });
  };
  say(
    `backing up ${configured.join(', ')} on "${SCHEDULE}" (TZ=${env.TZ || 'UTC'}); ` +
      `next at ${nextAt.toISOString()}; metrics on :${METRICS_PORT}/metrics`,
  );
  wait();

  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      stopping = true;
      clearTimeout(timer);
      const running = current;
      if (running) running.kill('SIGTERM');
      server.close(() => {
        if (running && running.exitCode === null && running.signalCode === null) {
          running.once('exit', () => process.exit(0));
        } else process.exit(0);
      });
    });
  }
}

function main() {
  const [command = 'serve', argument] = process.argv.slice(2);
  try {
    if (command === 'serve') return serve();
    if (command === 'next') {
      const schedule = parseSchedule(SCHEDULE);
      let at = new Date();
      for (let i = 0; i < Number(argument ?? 1); i++) {
        at = nextRun(schedule, at);
        process.stdout.write(`${at.toISOString()}\n`);
      }
      return;
    }
    if (command === 'metrics') {
      const services = servicesFrom(env.BACKUP_DATABASE_URLS ?? '');
      process.stdout.write(renderMetrics([...services.keys()], undefined));
      return;
    }
    throw new Error(`unknown command "${command}"; expected serve, next [N] or metrics`);
  } catch (err) {
    complain(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}

main();
