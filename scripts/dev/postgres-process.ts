// Types only: the orchestrator never runs PostgreSQL itself; postgres.ts does, as its child.
import type { DatabaseSpec } from '@cloud-backend/shared/dev';
import { bundlePath } from './bundles.js';
import { describeExit, launch, type ExitStatus, type ManagedProcess } from './child-processes.js';
import { READY_PREFIX, type ReadyReport, type StartRequest } from './postgres-protocol.js';
import type { DevSecrets } from './secrets.js';
import { dataPath, type DatabaseUrls, type DevSettings } from './settings.js';

/** The databases make dev provisions, each owned by its service's role. */
export function databaseSpecs(secrets: DevSecrets): DatabaseSpec[] {
  const role = (name: keyof DevSecrets['roles']) => ({ role: name, password: secrets.roles[name] });
  return [
    { database: 'auth', owner: role('auth_service'), readonly: role('auth_readonly') },
    { database: 'users', owner: role('user_service'), readonly: role('users_readonly') },
    { database: 'social_logs', owner: role('social_log_service') },
  ];
}

export interface StartedPostgres {
  process: ManagedProcess;
  /** Resolves with the services' URLs once the server is up and provisioned. */
  ready: Promise<DatabaseUrls>;
}

/** Starts scripts/dev/postgres.ts and hands it what to run and provision. */
export function startPostgres(settings: DevSettings, secrets: DevSecrets): StartedPostgres {
  const dataDir = dataPath(settings, 'postgres');
  let onReady: (report: ReadyReport) => void = () => undefined;
  const reported = new Promise<ReadyReport>((resolve) => (onReady = resolve));
  const managed = launch({
    name: 'postgres',
    entry: bundlePath('postgres'),
    env: process.env,
    stdin: true,
    // The ready line carries passwords: it is taken out of the output, never printed.
    intercept: (line) => {
      if (!line.startsWith(READY_PREFIX)) return false;
      onReady(JSON.parse(line.slice(READY_PREFIX.length)) as ReadyReport);
      return true;
    },
  });
  const request: StartRequest = {
    dataDir,
    port: settings.postgresPort,
    password: secrets.postgresPassword,
    logFile: dataPath(settings, 'postgres.log'),
    databases: databaseSpecs(secrets),
  };
  // stdin stays open afterwards: its closing is how the child learns that make dev has died.
  managed.child.stdin?.write(`${JSON.stringify(request)}\n`);

  const failed = managed.exited.then((status: ExitStatus): never => {
    throw new Error(
      `PostgreSQL stopped during start-up (${describeExit(status)}); ` + `see ${request.logFile}`,
    );
  });
  const ready = Promise.race([reported, failed]).then((report) => {
    const url = (role: string): string => {
      const value = report.urls[role];
      if (value === undefined) throw new Error(`PostgreSQL reported no URL for role ${role}`);
      return value;
    };
    return {
      auth: url('auth_service'),
      users: url('user_service'),
      socialLogs: url('social_log_service'),
      authReadonly: url('auth_readonly'),
      usersReadonly: url('users_readonly'),
    };
  });
  // Observed here so an early exit is never an unhandled rejection; callers still see it.
  failed.catch(() => undefined);
  return { process: managed, ready };
}
