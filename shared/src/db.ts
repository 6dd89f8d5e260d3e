import pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolSettings {
  connectionString: string;
  max?: number;
  applicationName: string;
  /** How long a request waits for a connection before failing (and the client gets a 503). */
  connectionTimeoutMillis?: number;
  statementTimeoutMillis?: number;
}

export function createPool(settings: PoolSettings, log: FastifyBaseLogger): Pool {
  const pool = new pg.Pool({
    connectionString: settings.connectionString,
    max: settings.max ?? 10,
    application_name: settings.applicationName,
    connectionTimeoutMillis: settings.connectionTimeoutMillis ?? 5000,
    idleTimeoutMillis: 30000,
    statement_timeout: settings.statementTimeoutMillis ?? 30000,
  });
  // An idle client loses its server when PostgreSQL restarts; without this listener the
  // 'error' event would crash the process instead of letting the pool reconnect later.
  pool.on('error', (err) => log.warn({ err }, 'idle database connection lost'));
  return pool;
}

/** Runs fn inside BEGIN/COMMIT on one connection, rolling back if it throws. */
export async function withTransaction<T>(
  pool: Pool,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  // pg-pool listens for the errors of idle clients only. A connection lost while this one is
  // checked out but between statements (PostgreSQL restarting while fn awaits something else,
  // such as the outbox's HTTP delivery) is emitted as an 'error' event with no listener, which
  // ends the process. Caught here, the next statement fails on its own (a 503 for a request)
  // and the broken client is discarded instead of going back to the pool.
  let lost: Error | undefined;
  const onError = (err: Error) => {
    lost = err;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    if (!lost) await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.off('error', onError);
    client.release(lost);
  }
}

function timeout(ms: number): Promise<never> {
  return new Promise((_, reject) => {
    setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref();
  });
}

/** The readiness probe: true when a trivial query answers within the time limit. */
export async function isDatabaseReady(pool: Pool, timeoutMs = 2000): Promise<boolean> {
  try {
    await Promise.race([pool.query('SELECT 1'), timeout(timeoutMs)]);
    return true;
  } catch {
    return false;
  }
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
]);

/** True for errors that mean "the database cannot be reached", as opposed to a bad query. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) {
    return true;
  }
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    err.message,
  );
}

/** host:port/database of a URL, for messages: never the user or password. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return 'an unparseable URL';
  }
}

/** Waits until the database accepts a connection, or throws after timeoutMs. */
export async function waitForDatabase(
  connectionString: string,
  timeoutMs: number,
  log: FastifyBaseLogger,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => undefined);
      const reason = err instanceof Error ? err.message : String(err);
      if (!isDatabaseUnavailable(err) || Date.now() >= deadline) {
        throw new Error(
          `DATABASE_URL: cannot connect to ${describeDatabaseUrl(connectionString)}: ${reason}`,
          { cause: err },
        );
      }
      log.warn({ attempt, reason }, 'database not reachable yet, retrying');
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 100 * attempt)));
    }
  }
}
