import { describe, expect, it } from 'vitest';
import { testApp } from './helpers.js';

describe('health', () => {
  it("GET /health answers the original's shape without touching dependencies", async () => {
    const app = await testApp({ readiness: { never: async () => false } });
    const response = await app.inject({ url: '/health' });
    const head = await app.inject({ method: 'HEAD', url: '/health' });
    await app.close();
    expect(response.statusCode).toBe(200);
    expect(head.statusCode).toBe(200);
    const body = response.json<Record<string, string>>();
    expect(Object.keys(body).sort()).toEqual(['service', 'status', 'timestamp', 'version']);
    expect(body).toMatchObject({ service: 'test-service', status: 'healthy', version: '9.9.9' });
    expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('GET /health/ready is 200 when every check passes and 503 naming the failed one otherwise', async () => {
    let cacheUp = true;
    const app = await testApp({
      readiness: {
        cache: async () => cacheUp,
        broken: async () => {
          throw new Error('boom');
        },
      },
    });
    const down = await app.inject({ url: '/health/ready' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({
      status: 'not_ready',
      code: 'NOT_READY',
      error: 'Service not ready',
      checks: { cache: 'up', broken: 'down' },
    });
    await app.close();

    const healthy = await testApp({ readiness: { cache: async () => cacheUp } });
    expect((await healthy.inject({ url: '/health/ready' })).json()).toMatchObject({
      status: 'ready',
      checks: { cache: 'up' },
    });
    cacheUp = false;
    expect((await healthy.inject({ url: '/health/ready' })).statusCode).toBe(503);
    await healthy.close();
  });
});
