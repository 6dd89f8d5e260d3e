import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ORIGINAL_METRIC_NAMES } from '../metrics.js';

export interface ServiceBasicsOptions {
  service: string;
  /** Builds the service's app as its tests do (a fresh database where it has one). */
  build: () => Promise<FastifyInstance>;
  /** Names of the readiness checks the service reports. */
  readiness: string[];
}

/**
 * What every service owes its operators, whatever its routes: liveness and readiness, the
 * original's metric names, and JSON 404/405. Each service's test suite runs this once.
 */
export function describeServiceBasics({ service, build, readiness }: ServiceBasicsOptions): void {
  describe(`${service} platform`, () => {
    let app: FastifyInstance;
    beforeAll(async () => {
      app = await build();
      await app.ready();
    });
    afterAll(() => app.close());

    it('answers GET /health with its name and version', async () => {
      const response = await app.inject({ url: '/health' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        service,
        status: 'healthy',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) as unknown,
        version: expect.stringMatching(/^\d+\.\d+\.\d+/) as unknown,
      });
    });

    it('answers GET /health/ready with every dependency up', async () => {
      const response = await app.inject({ url: '/health/ready' });
      expect(response.statusCode).toBe(200);
      const checks = response.json<{ checks: Record<string, string> }>().checks;
      expect(Object.keys(checks).sort()).toEqual([...readiness].sort());
      expect(Object.values(checks).every((state) => state === 'up')).toBe(true);
    });

    it("exposes the original's metric names, labelled with the service", async () => {
      await app.inject({ url: '/health' });
      const text = (await app.inject({ url: '/metrics' })).body;
      for (const name of ORIGINAL_METRIC_NAMES) expect(text).toContain(`# TYPE ${name} `);
      expect(text).toContain(
        `http_requests_total{method="GET",endpoint="/health",status_code="200",service="${service}"}`,
      );
    });

    it('answers unknown paths and wrong methods in JSON', async () => {
      const missing = await app.inject({ url: '/definitely/not/here' });
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toEqual({ error: 'Not found', code: 'NOT_FOUND' });
      const wrong = await app.inject({ method: 'DELETE', url: '/health' });
      expect(wrong.statusCode).toBe(405);
      expect(wrong.headers.allow).toBe('GET, HEAD');
    });
  });
}
