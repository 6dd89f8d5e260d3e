import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import { bearer, build } from './helper.js';

interface Log {
  id: number;
  user_id: number;
  social: string;
  status: string;
  timestamp: string;
}
interface Listing {
  logs: Log[];
  total: number;
  page: number;
  limit: number;
}

const ADMIN = 100;
// user, social, status, timestamp
const ENTRIES: [number, string, string, string][] = [
  [1, 'instagram', 'published', '2025-01-01T10:00:00Z'],
  [1, 'tiktok', 'draft', '2025-01-02T10:00:00Z'],
  [1, 'instagram', 'draft', '2025-01-03T10:00:00Z'],
  [1, 'facebook', 'published', '2025-01-04T10:00:00Z'],
  [2, 'instagram', 'published', '2025-01-02T12:00:00Z'],
  [2, 'tiktok', 'published', '2025-01-05T12:00:00Z'],
  [3, 'x', 'failed', '2025-01-06T00:00:00+01:00'],
];

let app: ServiceApp;
beforeAll(async () => {
  app = await build();
  for (const [userId, social, status, timestamp] of ENTRIES) {
    const response = await app.inject({
      method: 'POST',
      url: '/api/social/log',
      headers: bearer(userId),
      payload: { social, status, timestamp, content: `${social} by ${userId}` },
    });
    expect(response.statusCode).toBe(201);
  }
});
afterAll(() => app.close());

async function list(query: string, userId: number, role: 'user' | 'admin' = 'user') {
  const response = await app.inject({
    url: `/api/social/logs${query}`,
    headers: bearer(userId, role),
  });
  return response;
}

async function listOk(query: string, userId: number, role: 'user' | 'admin' = 'user') {
  const response = await list(query, userId, role);
  expect(response.statusCode).toBe(200);
  return response.json<Listing>();
}

describe('GET /api/social/logs for a user', () => {
  it("gives the caller's own entries only, newest first, with the page", async () => {
    const body = await listOk('', 1);
    expect(body.total).toBe(4);
    expect(body.page).toBe(1);
    expect(body.limit).toBe(20);
    expect(body.logs.map((log) => log.user_id)).toEqual([1, 1, 1, 1]);
    expect(body.logs.map((log) => log.timestamp)).toEqual([
      '2025-01-04T10:00:00Z',
      '2025-01-03T10:00:00Z',
      '2025-01-02T10:00:00Z',
      '2025-01-01T10:00:00Z',
    ]);
    expect(Object.keys(body.logs[0] ?? {}).sort()).toEqual(
      ['content', 'created_at', 'id', 'social', 'status', 'timestamp', 'user_id'].sort(),
    );
  });

  it('gives an empty page to a user with no entries', async () => {
    expect(await listOk('', 55)).toEqual({ logs: [], total: 0, page: 1, limit: 20 });
  });

  it('accepts their own user_id', async () => {
    expect((await listOk('?user_id=2', 2)).total).toBe(2);
  });

  it("answers 403 for another user's entries", async () => {
    const response = await list('?user_id=2', 1);
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({
      error: "Admin role required to read other users' logs",
      code: 'ADMIN_REQUIRED',
    });
  });

  it('filters their own entries by social, status and time', async () => {
    expect((await listOk('?social=instagram', 1)).total).toBe(2);
    expect((await listOk('?status=draft', 1)).total).toBe(2);
    expect((await listOk('?social=instagram&status=draft', 1)).total).toBe(1);
    const range = await listOk('?from=2025-01-02T10:00:00Z&to=2025-01-03T10:00:00Z', 1);
    expect(range.logs.map((log) => log.timestamp)).toEqual([
      '2025-01-03T10:00:00Z',
      '2025-01-02T10:00:00Z',
    ]);
  });

  it('answers 401 without a token', async () => {
    const response = await app.inject({ url: '/api/social/logs' });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'UNAUTHORIZED' });
  });
});

describe('GET /api/social/logs for an admin', () => {
  it("gives everyone's entries", async () => {
    const body = await listOk('', ADMIN, 'admin');
    expect(body.total).toBe(ENTRIES.length);
    expect(new Set(body.logs.map((log) => log.user_id))).toEqual(new Set([1, 2, 3]));
  });

  it('filters by user, social, status and time range (both bounds inclusive)', async () => {
    expect((await listOk('?user_id=2', ADMIN, 'admin')).total).toBe(2);
    expect((await listOk('?social=instagram', ADMIN, 'admin')).total).toBe(3);
    expect((await listOk('?status=published', ADMIN, 'admin')).total).toBe(4);
    expect((await listOk('?social=tiktok&status=published', ADMIN, 'admin')).logs).toEqual([
      expect.objectContaining({ user_id: 2, social: 'tiktok' }),
    ]);
    // The offset is honoured: 00:00+01:00 is 23:00 UTC the day before.
    const evening = await listOk(
      '?from=2025-01-05T23:00:00Z&to=2025-01-05T23:00:00Z',
      ADMIN,
      'admin',
    );
    expect(evening.logs.map((log) => log.user_id)).toEqual([3]);
    expect((await listOk('?from=2025-01-05T00:00:00%2B02:00', ADMIN, 'admin')).total).toBe(2);
  });

  it('pages through the entries without repeating one', async () => {
    const pages = await Promise.all(
      [1, 2, 3].map((page) => listOk(`?limit=3&page=${page}`, ADMIN, 'admin')),
    );
    expect(pages.map((page) => page.logs.length)).toEqual([3, 3, 1]);
    expect(pages.every((page) => page.total === ENTRIES.length && page.limit === 3)).toBe(true);
    const ids = pages.flatMap((page) => page.logs.map((log) => log.id));
    expect(new Set(ids).size).toBe(ENTRIES.length);
    expect(await listOk('?limit=3&page=9', ADMIN, 'admin')).toEqual({
      logs: [],
      total: ENTRIES.length,
      page: 9,
      limit: 3,
    });
  });
});

describe('GET /api/social/logs: invalid queries', () => {
  it.each([
    'limit=0',
    'limit=101',
    'limit=ten',
    'page=0',
    'page=-1',
    'page=1.5',
    'user_id=abc',
    'user_id=0',
    'user_id=99999999999',
    'from=yesterday',
    'to=2025-01-01',
    'from=2016-12-31T23:59:60Z',
    'from=0000-01-01T00:00:00Z',
    `social=${'x'.repeat(51)}`,
    `status=${'x'.repeat(21)}`,
    'social=',
  ])('answers 400 in JSON for %s', async (query) => {
    const response = await list(`?${query}`, ADMIN, 'admin');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: 'Invalid request',
      code: 'VALIDATION_ERROR',
      details: [
        expect.objectContaining({ field: expect.stringMatching(/^querystring\./) as unknown }),
      ],
    });
  });

  it('answers 400 INVALID_TEXT for a NUL in the query', async () => {
    const response = await list('?social=a%00b', ADMIN, 'admin');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'INVALID_TEXT' });
  });
});
