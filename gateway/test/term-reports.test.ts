/**
 * Reports across events through the real gateway and the real user-service (its own PostgreSQL
 * database); auth-service is its revocation feed only. The gateway checks the admin role on
 * them (403 before user-service), passes the range query verbatim, and the CSV arrives as
 * user-service wrote it: BOM, Content-Disposition, every cell.
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type ServiceApp } from '@cloud-backend/shared';
import { TEST_JWT_SECRET, onTestDatabase, testJwksUrl } from '@cloud-backend/shared/testing';
import { buildApp as buildUser } from '../../user-service/src/app.js';
import { configSchema as userConfig } from '../../user-service/src/config.js';
import { echoUpstream, type EchoUpstream } from './support/echo-upstream.js';
import { fakeFeed } from './support/fake-feed.js';
import { accessToken, bearer, buildGateway, upstreamEnv } from './support/gateway.js';
import { listen, send } from './support/http.js';

const ADMIN = accessToken({ user_id: 1, role: 'admin', name: 'Ada', surname: 'Admin' });
const ANNA = accessToken({ user_id: 7, name: 'Anna', surname: "D'Amico; Jr", email: 'a@x.it' });

let upstream: EchoUpstream;
let user: ServiceApp;
let gateway: ServiceApp;
let base: string;

const call = (path: string, token = ADMIN, body?: unknown) =>
  send(base, {
    method: body === undefined ? 'GET' : 'POST',
    path,
    headers: {
      ...bearer(token),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

beforeAll(async () => {
  upstream = await echoUpstream();
  fakeFeed(upstream);
  user = await onTestDatabase(
    'gw_reports',
    (url) =>
      buildUser(
        loadConfig(userConfig, {
          NODE_ENV: 'test',
          JWT_SECRET: TEST_JWT_SECRET,
          JWKS_URL: testJwksUrl(),
          DATABASE_URL: url,
          USER_SYNC_INTERVAL_SECONDS: '0',
        }),
        { logger: false },
      ),
    new URL('../../user-service/migrations/', import.meta.url),
  );
  const userUrl = await listen(user);
  gateway = await buildGateway({ ...upstreamEnv(upstream.url), USER_SERVICE_URL: userUrl });
  base = await listen(gateway);

  // Two events a week apart, each open for check-in now; Anna checks in to the first only.
  const now = Date.now();
  const window = {
    starts_at: new Date(now - 3_600_000).toISOString(),
    expires_at: new Date(now + 3_600_000).toISOString(),
  };
  const created: { qr_content: string }[] = [];
  for (const date of ['2031-09-15', '2031-09-22']) {
    const answer = await call('/user/qr/admin/generate', ADMIN, {
      event_name: 'Maths',
      date,
      ...window,
    });
    expect(answer.status, answer.text).toBe(201);
    created.push(answer.json<{ qr_content: string }>());
  }
  const qr = JSON.parse(created[0]?.qr_content ?? '') as unknown;
  const scanned = send(base, {
    method: 'POST',
    path: '/user/qr/scan',
    headers: { ...bearer(ANNA), 'content-type': 'application/json' },
    body: JSON.stringify({ qr_content: qr }),
  });
  expect((await scanned).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await gateway.close();
  await user.close();
  await upstream.close();
});

describe('reports across events at the gateway', () => {
  it("gives a person's attendance over the range, with their rate", async () => {
    const answer = await call('/user/qr/admin/users/7/attendance?from=2031-09-01&to=2031-09-30');
    expect(answer.status, answer.text).toBe(200);
    const report = answer.json<{ events: { status: string }[]; totals: unknown }>();
    expect(report.events.map((event) => event.status)).toEqual(['present', 'not_checked_in']);
    expect(report.totals).toEqual({
      events: 2,
      present: 1,
      justified: 0,
      absent: 1,
      attendance_rate: 50,
    });
  });

  it('downloads the register as CSV, semicolon-separated, parsed back whole', async () => {
    const answer = await call(
      '/user/qr/admin/register.csv?from=2031-09-01&to=2031-09-30&delimiter=semicolon',
    );
    expect(answer.status, answer.text).toBe(200);
    expect(answer.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(answer.headers['content-disposition']).toBe(
      'attachment; filename="register-2031-09-01-2031-09-30.csv"',
    );
    expect(answer.text.startsWith('\uFEFF')).toBe(true);
    expect(parse(answer.text, { bom: true, delimiter: ';' })).toEqual([
      [
        'surname',
        'name',
        'email',
        'user_id',
        'Maths (2031-09-15)',
        'Maths (2031-09-22)',
        'present',
        'justified',
        'absent',
        'events',
        'attendance_rate',
      ],
      [
        "D'Amico; Jr",
        'Anna',
        'a@x.it',
        '7',
        'present',
        'not_checked_in',
        '1',
        '0',
        '1',
        '2',
        '50,0',
      ],
    ]);
  });

  it('refuses a user who is not an admin at the gateway, and a bad range with a JSON 400', async () => {
    for (const path of [
      '/user/qr/admin/users/7/attendance?from=2031-09-01&to=2031-09-30',
      '/user/qr/admin/register?from=2031-09-01&to=2031-09-30',
      '/user/qr/admin/register.csv?from=2031-09-01&to=2031-09-30',
    ]) {
      const refused = await call(path, ANNA);
      expect(refused.status, path).toBe(403);
      expect(refused.json(), path).toMatchObject({ code: 'ADMIN_REQUIRED' });
      const bad = await call(path.replace('2031-09-30', '2033-09-30'));
      expect(bad.status, path).toBe(400);
      expect(bad.json(), path).toMatchObject({ code: 'INVALID_DATE_RANGE' });
    }
  });
});
