import { describeError, SourceError } from './source-error.js';

/** One element of an instant vector: its labels and its value (NaN and ±Inf included). */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

interface ApiReply {
  status?: unknown;
  errorType?: unknown;
  error?: unknown;
  data?: { resultType?: unknown; result?: unknown };
}

/** Prometheus writes non-finite values as strings that Number() does not read. */
export function parseSampleValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

function fail(kind: 'unavailable' | 'timeout' | 'query_failed', message: string, cause?: unknown) {
  return new SourceError('prometheus', kind, message, { cause });
}

function isPair(value: unknown): value is [number, string] {
  return Array.isArray(value) && value.length === 2 && typeof value[1] === 'string';
}

function toSamples(data: ApiReply['data']): Sample[] {
  const result = data?.result;
  if (data?.resultType === 'scalar' && isPair(result)) {
    return [{ labels: {}, value: parseSampleValue(result[1]) }];
  }
  if (data?.resultType !== 'vector' || !Array.isArray(result)) {
    throw fail('query_failed', `expected an instant vector, got ${String(data?.resultType)}`);
  }
  return result.map((element: unknown) => {
    const { metric, value } = (element ?? {}) as { metric?: unknown; value?: unknown };
    if (!isPair(value) || typeof metric !== 'object' || metric === null) {
      throw fail('query_failed', 'malformed vector element in the reply');
    }
    return { labels: metric as Record<string, string>, value: parseSampleValue(value[1]) };
  });
}

/**
 * A client of Prometheus's HTTP API (`GET /api/v1/query`), for instant queries only. Each query
 * has its own deadline, so a slow Prometheus costs a dashboard request at most one timeout (the
 * queries of a request run in parallel), never the original's 15 × 5 s in series.
 */
export class PrometheusClient {
  readonly #endpoint: URL;
  readonly #authorization: string | undefined;

  constructor(
    baseUrl: string,
    private readonly timeoutMs: number,
  ) {
    const base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    // fetch() refuses URLs with credentials; basic auth in PROMETHEUS_URL becomes a header.
    if (base.username !== '' || base.password !== '') {
      const user = decodeURIComponent(base.username);
      const password = decodeURIComponent(base.password);
      this.#authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      base.username = '';
      base.password = '';
    }
    this.#endpoint = new URL('api/v1/query', base);
  }

  /** Where queries go, without credentials (for logs and messages). */
  get endpoint(): string {
    return this.#endpoint.toString();
  }

  /**
   * Evaluates `promql` at `time` (every query of one dashboard reply uses the same instant, so
   * its numbers describe one moment). Throws a SourceError when there is no usable answer.
   */
  async query(promql: string, time: Date): Promise<Sample[]> {
    const url = new URL(this.#endpoint);
    url.searchParams.set('query', promql);
    url.searchParams.set('time', (time.getTime() / 1000).toFixed(3));
    // Prometheus stops evaluating too, instead of finishing work nobody waits for.
    url.searchParams.set('timeout', `${this.timeoutMs}ms`);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#authorization) headers.authorization = this.#authorization;

    let status: number;
    let text: string;
    try {
      const response = await fetch(url, {
        headers,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.status;
      text = await response.text();
    } catch (err) {
      if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
        throw fail('timeout', `no answer within ${this.timeoutMs} ms`, err);
      }
      throw fail('unavailable', describeError(err), err);
    }

    let reply: ApiReply;
    try {
      reply = JSON.parse(text) as ApiReply;
    } catch (err) {
      // A proxy's HTML error page, or something that is not Prometheus at all.
      throw fail('unavailable', `HTTP ${status} without a Prometheus API reply`, err);
    }
    if (reply.status !== 'success') {
      const message = typeof reply.error === 'string' ? reply.error : `HTTP ${status}`;
      // 400 bad_data and 422 execution errors concern this query; 503 (canceled, unavailable)
      // and anything else concern the server.
      if (reply.errorType === 'timeout') throw fail('timeout', message);
      throw fail(status === 400 || status === 422 ? 'query_failed' : 'unavailable', message);
    }
    return toSamples(reply.data);
  }
}
