import {
  SOURCE_VARIABLES,
  SourceError,
  type DatabaseName,
  type Sample,
  type SourceName,
  type Sources,
} from '../sources/index.js';
import { Unknown } from './values.js';

/**
 * - `ok`: every query of this reply answered;
 * - `not_configured`: its variable is unset, so each of its fields is null;
 * - `unavailable`: no query answered (unreachable, timed out, or each one refused);
 * - `degraded`: some queries answered, some did not (see `error`).
 */
export type SourceStatus = 'ok' | 'not_configured' | 'unavailable' | 'degraded';

export interface SourceReport {
  status: SourceStatus;
  /** Queries this reply sent to the source. */
  queries: number;
  failed: number;
  /** The first failure, e.g. "connect ECONNREFUSED 127.0.0.1:9090"; null when none. */
  error: string | null;
}

export interface CollectionReport {
  sources: Partial<Record<SourceName, SourceReport>>;
  /** Path of every null field under `data` → why it is null. */
  null_fields: Record<string, string>;
}

interface Tally {
  queries: number;
  failures: SourceError[];
}

/**
 * Gathers one dashboard reply: every query goes through it, evaluated at one instant (`at`),
 * and it records how each source answered and why each null field is null. A source failure
 * never escapes a field (it becomes that field's null); any other error is a bug and does.
 */
export class Collector {
  readonly at: Date;
  readonly #sources: Sources;
  readonly #tallies = new Map<SourceName, Tally>();
  readonly #nulls = new Map<string, string>();
  readonly #pending = new Set<Promise<unknown>>();

  constructor(sources: Sources, at = new Date()) {
    this.#sources = sources;
    this.at = at;
  }

  /** An instant PromQL query at `at`. */
  promql(query: string): Promise<Sample[]> {
    return this.#track('prometheus', () => {
      const client = this.#sources.prometheus;
      return client ? client.query(query, this.at) : undefined;
    });
  }

  /** A SQL query on a read-only database connection. */
  sql<Row>(name: DatabaseName, text: string, params: unknown[] = []): Promise<Row[]> {
    return this.#track(name, () => this.#sources[name]?.query<Row>(text, params));
  }

  /** `SELECT 1`'s round trip in milliseconds. */
  probe(name: DatabaseName): Promise<number> {
    return this.#track(name, () => this.#sources[name]?.probe());
  }

  /**
   * A query several fields read: started once, awaited by each. Its rejection is handled
   * here too, so a failure is not reported as unhandled before the fields get to it.
   */
  shared<T>(start: () => Promise<T>): Promise<T> {
    const promise = start();
    promise.catch(() => undefined);
    return promise;
  }

  /** A field's value, or null with the reason recorded under `path`. */
  async field<T>(
    path: string,
    compute: () => Promise<T | Unknown> | T | Unknown,
  ): Promise<T | null> {
    try {
      const value = await compute();
      if (!(value instanceof Unknown)) return value;
      this.#nulls.set(path, value.reason);
    } catch (err) {
      if (!(err instanceof SourceError)) throw err;
      this.#nulls.set(path, err.reason);
    }
    return null;
  }

  /** Records why a field computed from other fields is null. */
  markNull(path: string, reason: string): null {
    this.#nulls.set(path, reason);
    return null;
  }

  /**
   * The report, once every query sent has settled: a field may give up on a query early (one
   * of two failed), and the tally must still count that query's outcome.
   */
  async report(): Promise<CollectionReport> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
    const sources: CollectionReport['sources'] = {};
    for (const [name, tally] of this.#tallies) sources[name] = this.#sourceReport(name, tally);
    const paths = [...this.#nulls.keys()].sort();
    return {
      sources,
      null_fields: Object.fromEntries(paths.map((path) => [path, this.#nulls.get(path) ?? ''])),
    };
  }

  async #track<T>(name: SourceName, run: () => Promise<T> | undefined): Promise<T> {
    let tally = this.#tallies.get(name);
    if (!tally) {
      tally = { queries: 0, failures: [] };
      this.#tallies.set(name, tally);
    }
    const pending = run();
    if (pending === undefined) {
      // Nothing was sent: the source is reported, with its queries and failures at 0.
      throw new SourceError(name, 'not_configured', `${SOURCE_VARIABLES[name]} is not set`);
    }
    tally.queries++;
    this.#pending.add(pending);
    try {
      return await pending;
    } catch (err) {
      if (err instanceof SourceError) tally.failures.push(err);
      throw err;
    } finally {
      this.#pending.delete(pending);
    }
  }

  #sourceReport(name: SourceName, tally: Tally): SourceReport {
    const { queries, failures } = tally;
    if (this.#sources[name] === undefined) {
      const error = `not configured: ${SOURCE_VARIABLES[name]} is not set`;
      return { status: 'not_configured', queries: 0, failed: 0, error };
    }
    const first = failures[0];
    let status: SourceStatus = 'ok';
    if (failures.length === queries) status = 'unavailable';
    else if (failures.length > 0) status = 'degraded';
    return {
      status,
      queries,
      failed: failures.length,
      error: first ? `${first.kind.replace('_', ' ')}: ${first.message}` : null,
    };
  }
}
