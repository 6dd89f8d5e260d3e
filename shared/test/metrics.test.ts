import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.js';
import { ORIGINAL_METRIC_NAMES, type ServiceApp } from '../src/index.js';
import { SERVICE, testApp } from './helpers.js';

let app: ServiceApp;
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  app = await testApp({ database: { url: db.url } });
  app.get('/users/:id', async () => ({ ok: true }));
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

async function scrape(): Promise<string> {
  const response = await app.inject({ url: '/metrics' });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain/);
  return response.body;
}

/** A series' value in the scraped text; 0 while it has never been counted. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  it('declares every metric of the original with its type', async () => {
    const text = await scrape();
    for (const name of ORIGINAL_METRIC_NAMES) expect(text).toContain(`# TYPE ${name} `);
    expect(text).toContain('# TYPE active_users_total gauge');
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it('labels requests by route template, with the final status code', async () => {
    // The registry belongs to the process, which every app built in it shares:
    // what these requests add is counted, not the total.
    const byTemplate = `http_requests_total{method="GET",endpoint="/users/:id",status_code="200",service="${SERVICE}"}`;
    const unmatched = `http_requests_total{method="GET",endpoint="unmatched",status_code="404",service="${SERVICE}"}`;
    const before = await scrape();
    await app.inject({ url: '/users/42' });
    await app.inject({ url: '/users/43' });
    await app.inject({ url: '/no/such/path' });
    const text = await scrape();
    expect(sample(text, byTemplate) - sample(before, byTemplate)).toBe(2);
    expect(text).not.toContain('endpoint="/users/42"');
    expect(sample(text, unmatched) - sample(before, unmatched)).toBe(1);
    expect(text).toContain(
      `http_request_duration_seconds_bucket{le="0.005",method="GET",endpoint="/users/:id",service="${SERVICE}"}`,
    );
  });

  it("reports the pool's open connections", async () => {
    await app.inject({ url: '/health/ready' });
    const database = new URL(db.url).pathname.slice(1);
    expect(await scrape()).toMatch(
      new RegExp(
        `database_connections_active\\{service="${SERVICE}",database="${database}"\\} [1-9]`,
      ),
    );
  });
});
