import type { FastifyBaseLogger } from 'fastify';
import {
  createPool,
  describeDatabaseUrl,
  isDatabaseUnavailable,
  reportPoolSize,
  type Pool,
} from '@cloud-backend/shared';
import { describeError, SourceError, type SourceName } from './source-error.js';

export type DatabaseName = Extract<SourceName, 'auth_db' | 'user_db'>;

export interface DatabaseSettings {
  url: string;
  poolMax: number;
  timeoutMs: number;
  service: string;
}

const READ_ONLY = '-c default_transaction_read_only=on';

/**
 * The URL with every transaction read-only. The role should already be a read-only one
 * (docs/compatibility.md#fix-databases); this keeps the dashboard from writing even when it is
 * handed an owner's URL.
 */
export function readOnlyUrl(url: string): string {
  const parsed = new URL(url);
  const options = parsed.searchParams.get('options');
  parsed.searchParams.set('options', options ? `${options} ${READ_ONLY}` : READ_ONLY);
  return parsed.toString();
}

/**
 * A read-only connection pool to another service's database. Connections open lazily and are
 * replaced when they break, so a database that starts after the dashboard, or restarts, is
 * picked up by the next request (the original kept a failed handle null for ever).
 */
export class ReadOnlyDatabase {
  readonly #pool: Pool;
  readonly #stopReporting: () => void;

  constructor(
    readonly name: DatabaseName,
    private readonly settings: DatabaseSettings,
    log: FastifyBaseLogger,
  ) {
    this.#pool = createPool(
      {
        connectionString: readOnlyUrl(settings.url),
        max: settings.poolMax,
        applicationName: settings.service,
        connectionTimeoutMillis: settings.timeoutMs,
        statementTimeoutMillis: settings.timeoutMs,
      },
      log,
    );
    const database = new URL(settings.url).pathname.slice(1);
    this.#stopReporting = reportPoolSize(() => ({
      service: settings.service,
      database,
      open: this.#pool.totalCount,
    }));
  }

  /** host:port/database, never the credentials. */
  get location(): string {
    return describeDatabaseUrl(this.settings.url);
  }

  /**
   * Runs one query, bounded by the timeout even when the server stops answering mid-way
   * (statement_timeout only covers a server that is still listening).
   */
  async query<Row>(text: string, params: unknown[] = []): Promise<Row[]> {
    const ms = this.settings.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new SourceError(this.name, 'timeout', `no answer within ${ms} ms`));
      }, ms);
    });
    const run = this.#pool.query(text, params).then(
      (result) => result.rows as Row[],
      (err: unknown) => {
        throw this.#classify(err);
      },
    );
    // The loser of the race may still reject later; it has been answered already.
    run.catch(() => undefined);
    try {
      return await Promise.race([run, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The round trip of `SELECT 1` in milliseconds: the database's latency as the dashboard sees it. */
  async probe(): Promise<number> {
    const started = performance.now();
    await this.query('SELECT 1');
    return performance.now() - started;
  }

  async close(): Promise<void> {
    this.#stopReporting();
    await this.#pool.end();
  }

  #classify(err: unknown): SourceError {
    const message = describeError(err);
    const code = (err as { code?: unknown }).code;
    if (code === '57014') return new SourceError(this.name, 'timeout', message, { cause: err });
    // Refused credentials (28xxx) or a missing database (3D000): this URL cannot connect.
    const cannotConnect = typeof code === 'string' && (code.startsWith('28') || code === '3D000');
    if (cannotConnect || isDatabaseUnavailable(err) || /timeout/i.test(message)) {
      return new SourceError(this.name, 'unavailable', message, { cause: err });
    }
    // An answer, but not to this query: a missing table, a privilege the role lacks.
    return new SourceError(this.name, 'query_failed', message, { cause: err });
  }
}
