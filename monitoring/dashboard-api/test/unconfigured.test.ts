import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import { build, fetchDashboard, leaves, nullPaths, ROUTES, withoutMetadata } from './helper.js';

const NOT_CONFIGURED: Record<string, string> = {
  prometheus: 'prometheus not configured: PROMETHEUS_URL is not set',
  auth_db: 'auth_db not configured: AUTH_DATABASE_URL is not set',
  user_db: 'user_db not configured: USER_DATABASE_URL is not set',
};

// Values the port knows without asking any source: the constants and the lists of things the
// system does not record are excluded from "every value is null".
const CONSTANTS = new Set(['usage_patterns.database_metrics.slow_query_threshold_seconds']);
const NEVER_RECORDED = /^not (recorded|measured): /;

describe('with no source configured', () => {
  let app: ServiceApp;
  beforeAll(async () => {
    app = await build();
  });
  afterAll(() => app.close());

  it.each(ROUTES)('%s answers every value null, each with its reason', async (url) => {
    const reply = await fetchDashboard(app, url);
    expect(reply.status).toBe('success');
    for (const [path, value] of leaves(withoutMetadata(reply.data))) {
      if (!CONSTANTS.has(path)) expect({ path, value }).toEqual({ path, value: null });
    }
    expect(nullPaths(reply.data)).toEqual(Object.keys(reply.metadata.null_fields));
    for (const reason of Object.values(reply.metadata.null_fields)) {
      if (!NEVER_RECORDED.test(reason)) {
        expect(Object.values(NOT_CONFIGURED)).toContain(reason);
      }
    }
    for (const [name, report] of Object.entries(reply.metadata.sources)) {
      expect(report).toEqual({
        status: 'not_configured',
        queries: 0,
        failed: 0,
        error: NOT_CONFIGURED[name]?.replace(/^\w+ /, ''),
      });
    }
  });

  it('names the sources each route reads', async () => {
    const sources = async (url: string) =>
      Object.keys((await fetchDashboard(app, url)).metadata.sources).sort();
    expect(await sources('/api/dashboard/security')).toEqual(['auth_db', 'prometheus']);
    expect(await sources('/api/dashboard/vm-health')).toEqual(['auth_db', 'prometheus', 'user_db']);
    expect(await sources('/api/dashboard/insights')).toEqual(['auth_db', 'prometheus', 'user_db']);
  });

  it('keeps the envelope of the original', async () => {
    const reply = await fetchDashboard(app, '/api/dashboard/security');
    expect(Object.keys(reply).sort()).toEqual(['data', 'metadata', 'status', 'timestamp']);
    expect(reply.metadata).toMatchObject({ version: '1.0', data_source: 'prometheus+database' });
    expect(reply.metadata.response_time_ms).toEqual(expect.any(Number));
    expect(Date.parse(reply.metadata.last_update)).not.toBeNaN();
    expect(reply.data.metadata).toEqual({
      data_source: 'prometheus+database',
      last_updated: expect.any(String) as unknown,
      collection_time_ms: expect.any(Number) as unknown,
    });
  });
});
