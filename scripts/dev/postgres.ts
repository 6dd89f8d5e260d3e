/**
 * The embedded PostgreSQL of make dev, as a child process of scripts/dev.ts.
 *
 * Why a process of its own: the orchestrator decides alone how it reacts to signals and when
 * it exits (services drain before their database goes); starting, provisioning and stopping
 * the server here keeps all of that out of it. A SIGTERM that arrives during start-up lets
 * start-up finish and then stops the server cleanly.
 *
 * Protocol (postgres-protocol.ts): one JSON line of StartRequest on stdin; once the server is
 * up and provisioned, one line `ready <ReadyReport>` on stdout. SIGTERM/SIGINT, or stdin
 * closing (the orchestrator died), stop the server and exit 0. PostgreSQL's own log goes to
 * the requested file, not to our stdout; what make dev's user must know (where the files went
 * as root, why it did not start) comes out as one line each.
 */
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  databaseUrl,
  PostgresStartError,
  provisionDatabases,
  startEmbeddedPostgres,
  type RunningPostgres,
} from '@cloud-backend/shared/dev';
import { READY_PREFIX, type ReadyReport, type StartRequest } from './postgres-protocol.js';

function readRequest(): Promise<StartRequest> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
    lines.once('line', (line) => {
      try {
        resolve(JSON.parse(line) as StartRequest);
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    process.stdin.once('end', () => {
      reject(new Error('stdin closed before the start request arrived'));
    });
  });
}

let server: RunningPostgres | undefined;
let launched = false;
let startup: Promise<void> = Promise.resolve();
let stopping = false;
// Read through a function: a signal can flip it during any await in main().
const isStopping = (): boolean => stopping;

async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    // A signal during start-up lets it finish (initdb, start, provisioning) before stopping:
    // the server is then shut down cleanly, rather than orphaned or cut off mid-provisioning.
    if (launched) await startup.catch(() => undefined);
    await server?.stop();
  }
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => void stop(0));
}

async function main(): Promise<void> {
  const request = await readRequest();
  // Keeps reading after the request only to notice the orchestrator going away.
  process.stdin.on('end', () => void stop(0));
  process.stdin.resume();

  const log = createWriteStream(request.logFile, { flags: 'a', mode: 0o600 });
  log.write(`\n---- make dev started PostgreSQL at ${new Date().toISOString()}\n`);
  const onLog = (line: string) => {
    log.write(`${line}\n`);
  };

  if (isStopping()) return;
  launched = true;
  const running = await startEmbeddedPostgres({
    dataDir: request.dataDir,
    port: request.port,
    password: request.password,
    persistent: true,
    onLog,
    onNotice: (line) => process.stdout.write(`${line}\n`),
  });
  server = running;
  if (isStopping()) return;
  await provisionDatabases(running.adminUrl, request.databases);
  if (isStopping()) return;

  const urls: Record<string, string> = {};
  for (const spec of request.databases) {
    for (const role of [spec.owner, spec.readonly]) {
      if (role)
        urls[role.role] = databaseUrl(running.adminUrl, spec.database, role.role, role.password);
    }
  }
  const report: ReadyReport = { adminUrl: running.adminUrl, urls };
  process.stdout.write(`${READY_PREFIX}${JSON.stringify(report)}\n`);
}

startup = main();
startup.catch((err: unknown) => {
  if (isStopping()) return;
  const reason = err instanceof Error ? err.message : String(err);
  const portHint =
    err instanceof PostgresStartError && err.reason === 'port-in-use'
      ? ' (set DEV_POSTGRES_PORT to use another)'
      : '';
  process.stderr.write(`PostgreSQL did not start: ${reason.trim()}${portHint}\n`);
  void stop(1);
});
