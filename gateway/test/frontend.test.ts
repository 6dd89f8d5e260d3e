import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import { echoUpstream, type EchoUpstream } from './support/echo-upstream.js';
import { buildGateway, upstreamEnv } from './support/gateway.js';

// make dev: the gateway serves the built web app at / (nginx does in containers).
let dist: string;
let upstream: EchoUpstream;
let gateway: ServiceApp;

beforeAll(async () => {
  dist = mkdtempSync(join(tmpdir(), 'cb-frontend-'));
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Attendance</title>');
  writeFileSync(join(dist, 'assets', 'main-1a2b3c.js'), 'console.log("app")');
  writeFileSync(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  upstream = await echoUpstream();
  gateway = await buildGateway({ ...upstreamEnv(upstream.url), FRONTEND_DIR: dist });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
  rmSync(dist, { recursive: true, force: true });
});

describe('the web app under make dev', () => {
  it('serves index.html at / without caching, with the security headers', async () => {
    for (const url of ['/', '/index.html']) {
      const page = await gateway.inject({ url });
      expect(page.statusCode, url).toBe(200);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      expect(page.headers['cache-control']).toBe('no-cache');
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.body).toContain('<title>Attendance</title>');
    }
  });

  it('serves hashed assets as immutable', async () => {
    const asset = await gateway.inject({ url: '/assets/main-1a2b3c.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await gateway.inject({ url: '/favicon.svg' })).statusCode).toBe(200);
  });

  it('keeps unknown paths a JSON 404 and never leaves the folder', async () => {
    for (const url of ['/nope', '/assets/missing.js', '/assets/..%2f..%2fetc%2fpasswd']) {
      const response = await gateway.inject({ url });
      expect(response.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, url).toBeLessThan(500);
      expect(response.body).not.toContain('root:');
    }
    expect((await gateway.inject({ url: '/nope' })).json()).toEqual({
      error: 'Not found',
      code: 'NOT_FOUND',
    });
  });

  it('still proxies the API beside it', async () => {
    const profile = await gateway.inject({ url: '/user/profile' });
    expect(profile.statusCode).toBe(401);
    // A page's policy: JSON answers go without it (nosniff), as the original's did.
    expect(profile.headers['content-security-policy']).toBeUndefined();
    expect(profile.headers['x-content-type-options']).toBe('nosniff');
  });
});
