import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusClient, parseSampleValue, SourceError } from '../src/sources/index.js';
import { startFakePrometheus, type FakePrometheus } from './support/fake-prometheus.js';

const AT = new Date('2025-06-22T10:00:00.250Z');

describe('PrometheusClient', () => {
  let prometheus: FakePrometheus;
  beforeAll(async () => {
    prometheus = await startFakePrometheus(
      {
        up: { vector: [[{ job: 'a', instance: 'x:1' }, '1']] },
        'scalar(1)': { scalar: '2.5' },
        nan: { vector: [[{}, 'NaN']] },
        inf: { vector: [[{}, '+Inf']] },
        'range[1m]': {
          status: 200,
          body: JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }),
        },
        broken: {
          status: 422,
          body: JSON.stringify({
            status: 'error',
            errorType: 'execution',
            error: 'too many samples',
          }),
        },
        slow: {
          status: 503,
          body: JSON.stringify({ status: 'error', errorType: 'timeout', error: 'query timed out' }),
        },
      },
      { prefix: '/monitoring' },
    );
  });
  afterAll(() => prometheus.close());

  const client = () => new PrometheusClient(prometheus.url, 1000);

  it('sends the query, the instant and a server-side timeout', async () => {
    expect(await client().query('up', AT)).toEqual([
      { labels: { job: 'a', instance: 'x:1' }, value: 1 },
    ]);
    const sent = prometheus.received.at(-1);
    expect(sent).toMatchObject({
      query: 'up',
      time: '1750586400.250',
      path: '/monitoring/api/v1/query',
    });
  });

  it('keeps a path prefix with or without a trailing slash', async () => {
    await new PrometheusClient(`${prometheus.url}/`, 1000).query('up', AT);
    expect(prometheus.received.at(-1)?.path).toBe('/monitoring/api/v1/query');
  });

  it('sends credentials of the URL as basic auth, and never shows them', async () => {
    const url = new URL(prometheus.url);
    url.username = 'reader';
    url.password = 's3cret';
    const withAuth = new PrometheusClient(url.toString(), 1000);
    await withAuth.query('up', AT);
    expect(prometheus.received.at(-1)?.authorization).toBe(
      `Basic ${Buffer.from('reader:s3cret').toString('base64')}`,
    );
    expect(withAuth.endpoint).not.toContain('s3cret');
  });

  it('reads scalars and non-finite values', async () => {
    expect(await client().query('scalar(1)', AT)).toEqual([{ labels: {}, value: 2.5 }]);
    expect((await client().query('nan', AT))[0]?.value).toBeNaN();
    expect((await client().query('inf', AT))[0]?.value).toBe(Infinity);
    expect(parseSampleValue('-Inf')).toBe(-Infinity);
    expect(parseSampleValue('1e3')).toBe(1000);
  });

  it.each([
    ['range[1m]', 'query_failed', 'expected an instant vector, got matrix'],
    ['broken', 'query_failed', 'too many samples'],
    ['slow', 'timeout', 'query timed out'],
  ])('turns %s into a SourceError (%s)', async (query, kind, message) => {
    const error = await client()
      .query(query, AT)
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ source: 'prometheus', kind, message });
  });

  it('an answer that is not Prometheus JSON is "unavailable"', async () => {
    const other = await startFakePrometheus({}, { otherwise: { status: 200, body: 'hello' } });
    try {
      await expect(new PrometheusClient(other.url, 1000).query('up', AT)).rejects.toMatchObject({
        kind: 'unavailable',
        message: 'HTTP 200 without a Prometheus API reply',
      });
    } finally {
      await other.close();
    }
  });
});
