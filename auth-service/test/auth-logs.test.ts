import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  build,
  login,
  newUser,
  register,
  signedInAdmin,
  type App,
  type Session,
} from './helper.js';

let app: App;
let admin: Session;
let alice: { id: number };
const aliceUser = newUser({ username: 'alice' });

interface LogPage {
  logs: Record<string, unknown>[];
  total: number;
  page: number;
  limit: number;
  stats: Record<string, number>;
}

beforeAll(async () => {
  app = await build();
  admin = await signedInAdmin(app);
  alice = await register(app, aliceUser);
  await login(app, aliceUser.email, aliceUser.password);
  await login(app, aliceUser.email, 'wrong password');
  await login(app, aliceUser.email, 'wrong password');
  await login(app, 'stranger@example.com', 'x');
});
afterAll(() => app.close());

async function logs(query = '') {
  const response = await app.inject({
    method: 'GET',
    url: `/admin/auth-logs${query}`,
    headers: bearer(admin),
  });
  return response;
}

describe('GET /admin/auth-logs', () => {
  it('has the original shape, newest first, with real stats', async () => {
    const response = await logs();
    expect(response.statusCode).toBe(200);
    const body = response.json<LogPage>();
    // admin: register + login; alice: register, success, 2 failures; stranger: 1 failure
    expect(body.total).toBe(7);
    expect(body).toMatchObject({ page: 1, limit: 50 });
    expect(body.stats).toEqual({
      total_logs: 7,
      current_page: 1,
      pages_total: 1,
      successes: 4,
      failures: 3,
      unique_users: 2,
    });
    const newest = body.logs[0];
    expect(newest).toMatchObject({
      user_email: 'stranger@example.com',
      action: 'login_failed_user_not_found',
      success: false,
      ip_address: '127.0.0.1',
    });
    expect(newest).not.toHaveProperty('username');
    expect(Object.keys(body.logs[1] ?? {}).sort()).toEqual(
      [
        'action',
        'id',
        'ip_address',
        'success',
        'timestamp',
        'user_agent',
        'user_email',
        'username',
      ].sort(),
    );
    expect(body.logs[1]).toMatchObject({
      username: 'alice',
      action: 'login_failed_wrong_password',
    });
  });

  it('filters by user, email, action, success and time', async () => {
    const byUser = (await logs(`?user_id=${String(alice.id)}`)).json<LogPage>();
    expect(byUser.total).toBe(4);
    expect(byUser.stats).toMatchObject({ successes: 2, failures: 2, unique_users: 1 });
    const byEmail = (
      await logs(`?email=${encodeURIComponent(aliceUser.email.toUpperCase())}`)
    ).json<LogPage>();
    expect(byEmail.total).toBe(4);
    const failures = (
      await logs('?action=login_failed_wrong_password&success=false')
    ).json<LogPage>();
    expect(failures.total).toBe(2);
    const future = (
      await logs(`?from=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`)
    ).json<LogPage>();
    expect(future).toMatchObject({ total: 0, logs: [] });
    const past = (
      await logs(`?to=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`)
    ).json<LogPage>();
    expect(past.total).toBe(7);
  });

  it('pages in SQL with the original lenient rules', async () => {
    const second = (await logs('?page=2&limit=3')).json<LogPage>();
    expect(second.logs).toHaveLength(3);
    expect(second.stats).toMatchObject({ current_page: 2, pages_total: 3 });
    const all = (await logs()).json<LogPage>();
    expect(second.logs.map((l) => l.id)).toEqual(all.logs.slice(3, 6).map((l) => l.id));
    for (const [query, page, limit] of [
      ['?page=0', 1, 50],
      ['?page=-4', 1, 50],
      ['?page=abc&limit=2.5', 1, 50],
      ['?limit=501', 1, 50],
      ['?limit=0', 1, 50],
      ['?limit=500', 1, 500],
    ] as const) {
      expect((await logs(query)).json<LogPage>(), query).toMatchObject({ page, limit });
    }
  });

  it('a page past the end, even an absurd one, is empty (the original panicked)', async () => {
    for (const page of ['99', '9223372036854775807', '99999999999999999999999']) {
      const response = await logs(`?page=${page}`);
      expect(response.statusCode).toBe(200);
      expect(response.json<LogPage>().logs).toEqual([]);
    }
  });

  it('keeps the username of a deleted account (the original joined the current one only)', async () => {
    const gone = newUser({ username: 'soon-gone' });
    const created = await register(app, gone);
    await login(app, gone.email, gone.password);
    const deleted = await app.inject({
      method: 'DELETE',
      url: `/admin/users/${String(created.id)}`,
      headers: bearer(admin),
    });
    expect(deleted.statusCode).toBe(200);
    const page = (await logs(`?user_id=${String(created.id)}`)).json<LogPage>();
    expect(page.logs.map((l) => [l.action, l.username])).toEqual([
      ['user_deleted', 'soon-gone'],
      ['login_success', 'soon-gone'],
      ['register', 'soon-gone'],
    ]);
  });

  it('400 for malformed filters', async () => {
    for (const query of [
      '?user_id=abc',
      '?success=maybe',
      '?from=yesterday',
      // date-time formats the schema lets through but PostgreSQL would refuse
      '?from=9999-12-31T23%3A59%3A60Z',
      '?to=0000-01-01T00%3A00%3A00Z',
      '?action=drop_table',
    ]) {
      const response = await logs(query);
      expect(response.statusCode, query).toBe(400);
      expect(response.json<{ code: string }>().code).toBe('VALIDATION_ERROR');
    }
  });
});
