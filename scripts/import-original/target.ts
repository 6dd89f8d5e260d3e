import type { OriginalDatabase } from './names.js';

/** One of the port's databases, and the roles its provisioning gives it. */
export interface TargetDatabase {
  original: OriginalDatabase;
  /** The database's name on the target server. */
  name: string;
  /** The service's role: owns every object, runs the migrations. */
  owner: string;
  /** May connect and SELECT (the cross-service reads). */
  readonly?: string;
  /** May SELECT and INSERT, nothing else (social-log-service's role under compose). */
  append?: string;
}

/** Where the import goes: make dev's embedded PostgreSQL, or the compose stack's servers. */
export interface Target {
  /** For the report, e.g. "make dev's PostgreSQL (127.0.0.1:54320)". */
  description: string;
  databases: Record<OriginalDatabase, TargetDatabase>;
  /** A superuser URL to a database on the server that holds `original`. */
  adminUrl(original: OriginalDatabase, database: string): string;
  /** Where the JSON report is written. */
  reportDir: string;
  /** What to tell the operator when a service still holds a connection. */
  stopHint: string;
  /** Stops what uses the databases before the swap (compose); make dev's are the operator's. */
  stopServices?(): Promise<void>;
  startServices?(): Promise<void>;
  /** Stops a server the import started, closes tunnels. */
  close(): Promise<void>;
}

/** The URL of another database on the same server, optionally acting as another role. */
export function withDatabase(url: string, database: string, role?: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  // `-c role=…` makes the session act as that role from its start (as SET ROLE would): the
  // migrations run as the service's role, so what they create is that role's, as at start-up.
  if (role) parsed.searchParams.set('options', `-c role=${role}`);
  return parsed.toString();
}
