import pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';

const TIMEOUT_MS = 5000;

/**
 * Leadership among the replicas of a service for a job that must run in one of them only
 * (docs/operations.md#running-replicas): the replica holding a PostgreSQL session-level
 * advisory lock leads. The lock lives on a connection of its own, outside the request pool
 * (whose size may be 1), and PostgreSQL lets it go when that connection ends, so a replica that
 * is killed hands the job over at the next attempt of another one, with nothing to clean up.
 * Every attempt of the leader checks that its connection still answers; a leader that lost it
 * (PostgreSQL restarted, network cut) steps down and tries again like any other replica.
 */
export class LeaderLock {
  private client: pg.Client | undefined;

  constructor(
    private readonly databaseUrl: string,
    /** A 64-bit key (as a decimal string) that no other advisory lock of the database uses. */
    private readonly key: string,
    private readonly name: string,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** True when this process leads (taking the lock when it is free). */
  async hold(): Promise<boolean> {
    if (this.client) {
      try {
        await this.client.query('SELECT 1');
        return true;
      } catch (err) {
        this.log.warn({ err, lock: this.name }, 'leader lock connection lost; stepping down');
        await this.drop();
      }
    }
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      application_name: `${this.name} leader`,
      connectionTimeoutMillis: TIMEOUT_MS,
      // A leader whose server went silent must find out, not wait on its check for ever.
      query_timeout: TIMEOUT_MS,
    });
    // A connection that breaks between attempts must not crash the process ('error' without a
    // listener would): the next attempt notices and steps down.
    client.on('error', (err) => this.log.warn({ err, lock: this.name }, 'leader lock connection'));
    try {
      await client.connect();
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock($1::bigint) AS locked',
        [this.key],
      );
      if (rows[0]?.locked === true) {
        this.client = client;
        this.log.info({ lock: this.name }, 'leading');
        return true;
      }
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    await client.end();
    return false;
  }

  /** Gives the lock up (ending its connection releases it). */
  async release(): Promise<void> {
    await this.drop();
  }

  private async drop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
