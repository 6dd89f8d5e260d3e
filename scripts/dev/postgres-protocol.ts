import type { DatabaseSpec } from '@cloud-backend/shared/dev';

// What scripts/dev.ts and its PostgreSQL child (scripts/dev/postgres.ts) say to each other. A
// module of its own so that the orchestrator can use it without loading the child's code.

/** The one JSON line the orchestrator writes to the child's stdin. */
export interface StartRequest {
  dataDir: string;
  port: number;
  password: string;
  logFile: string;
  databases: DatabaseSpec[];
}

/** What follows READY_PREFIX on the child's stdout once the server is up and provisioned. */
export interface ReadyReport {
  adminUrl: string;
  /** A URL per provisioned role, to the database it owns or reads. */
  urls: Record<string, string>;
}

export const READY_PREFIX = 'ready ';
