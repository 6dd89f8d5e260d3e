/**
 * Reports across events (docs/compatibility.md#term-reports), in-process against a real
 * PostgreSQL: one person's attendance over a date range with statuses and rate, the register as
 * JSON pages and as CSV (parsed back with csv-parse: BOM, header, cells, the semicolon variant,
 * quoting), and the refusals (bad ranges 400, unknown user 404, not an admin 403).
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import { adminToken, bearer, build, createEvent, scan, userToken } from './helper.js';

const admin = bearer(adminToken(1));
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

// Event dates are labels: each event's check-in window is open now (createEvent), so the tests
// scan events of any date. The range is March 2030; April's event is outside it.
const RANGE = 'from=2030-03-01&to=2030-03-31';
const ALICE = 21;
const GIGI = 22; // a name with a semicolon, quotes and a line break
const FORMULA = 23; // signs in, never checks in; a name a spreadsheet would run
const GIGI_SURNAME = 'Bianchi; "Gigi"\nJr';

interface PersonReport {
  user: Record<string, unknown>;
  from: string;
  to: string;
  events: { event_id: string; status: string; motivazione: string | null; scanned_at: unknown }[];
  totals: Record<string, unknown>;
}

interface Register {
  events: { event_id: string; event_name: string; date: string }[];
  people: { user_id: number; surname: string; statuses: string[]; totals: unknown }[];
  total: number;
  page: number;
  limit: number;
}

let app: ServiceApp;
const ids: string[] = [];

const get = (url: string, headers = admin) => app.inject({ url, headers });

function csvOf(body: string, delimiter = ','): string[][] {
  return parse(body, { bom: true, delimiter });
}

beforeAll(async () => {
  app = await build();
  const events = [
    { event_name: 'Lecture, intro', date: '2030-03-02' },
    { event_name: 'Lab', date: '2030-03-05' },
    { event_name: 'Lab', date: '2030-03-09' },
    { event_name: 'Outside the range', date: '2030-04-20' },
  ];
  for (const event of events) ids.push((await createEvent(app, event)).event_id);
  const [first, second, third, outside] = ids as [string, string, string, string];
  const qrOf = async (id: string) =>
    (await get(`/qr/admin/events/${id}/qr`)).json<{ qr_content: string }>().qr_content;
  const alice = userToken(ALICE, { name: 'Alice', surname: 'Rossi', email: 'alice@example.com' });
  const gigi = userToken(GIGI, { name: 'Gigi', surname: GIGI_SURNAME, email: 'gigi@example.com' });
  for (const id of [first, second, outside]) {
    expect((await scan(app, alice, await qrOf(id))).statusCode).toBe(201);
  }
  expect((await scan(app, gigi, await qrOf(first))).statusCode).toBe(201);
  const hospital = await app.inject({
    method: 'PATCH',
    url: `/qr/admin/events/${third}/users/${String(ALICE)}/status`,
    headers: admin,
    payload: { status: 'hospital', motivazione: 'broken arm' },
  });
  expect(hospital.statusCode).toBe(200);
  await get(
    '/qr/attendance/today',
    bearer(userToken(FORMULA, { name: '=SUM(A1)', surname: 'Verdi' })),
  );
});

afterAll(() => app.close());

describe("one person's attendance over a range", () => {
  it('lists every event of the range with their status, and their rate', async () => {
    const response = await get(`/qr/admin/users/${String(ALICE)}/attendance?${RANGE}`);
    expect(response.statusCode, response.body).toBe(200);
    const report = response.json<PersonReport>();
    expect(report.user).toEqual({
      user_id: ALICE,
      name: 'Alice',
      surname: 'Rossi',
      email: 'alice@example.com',
      deleted: false,
    });
    expect([report.from, report.to]).toEqual(['2030-03-01', '2030-03-31']);
    expect(report.events.map((event) => [event.event_id, event.status])).toEqual([
      [ids[0], 'present'],
      [ids[1], 'present'],
      [ids[2], 'hospital'],
    ]);
    expect(report.events[0]?.scanned_at).toMatch(RFC3339);
    expect(report.events[2]).toMatchObject({ motivazione: 'broken arm', scanned_at: null });
    expect(report.totals).toEqual({
      events: 3,
      present: 2,
      justified: 1,
      absent: 0,
      attendance_rate: (2 / 3) * 100,
    });
  });

  it('counts an event without a row as not_checked_in, and a range without events as no rate', async () => {
    const never = (
      await get(`/qr/admin/users/${String(FORMULA)}/attendance?${RANGE}`)
    ).json<PersonReport>();
    expect(never.events.map((event) => event.status)).toEqual([
      'not_checked_in',
      'not_checked_in',
      'not_checked_in',
    ]);
    expect(never.totals).toEqual({
      events: 3,
      present: 0,
      justified: 0,
      absent: 3,
      attendance_rate: 0,
    });
    const empty = await get(
      `/qr/admin/users/${String(ALICE)}/attendance?from=2029-01-01&to=2029-12-31`,
    );
    expect(empty.json<PersonReport>()).toMatchObject({
      events: [],
      totals: { events: 0, present: 0, justified: 0, absent: 0, attendance_rate: null },
    });
    // One day, both ends included.
    const day = await get(
      `/qr/admin/users/${String(ALICE)}/attendance?from=2030-03-05&to=2030-03-05`,
    );
    expect(day.json<PersonReport>().events.map((event) => event.event_id)).toEqual([ids[1]]);
  });

  it('is a 404 for an unknown user and a 400 for a bad id', async () => {
    const unknown = await get(`/qr/admin/users/999999/attendance?${RANGE}`);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: 'Utente non trovato', code: 'USER_NOT_FOUND' });
    const bad = await get(`/qr/admin/users/abc/attendance?${RANGE}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'INVALID_USER_ID' });
  });
});

describe('the register', () => {
  it('lists the people with a row in the range, by surname, one status per event', async () => {
    const response = await get(`/qr/admin/register?${RANGE}`);
    expect(response.statusCode, response.body).toBe(200);
    const register = response.json<Register>();
    expect(register.events).toEqual([
      { event_id: ids[0], event_name: 'Lecture, intro', date: '2030-03-02' },
      { event_id: ids[1], event_name: 'Lab', date: '2030-03-05' },
      { event_id: ids[2], event_name: 'Lab', date: '2030-03-09' },
    ]);
    expect(register).toMatchObject({ total: 2, page: 1, limit: 10 });
    expect(register.people.map((person) => [person.user_id, person.statuses])).toEqual([
      [GIGI, ['present', 'not_checked_in', 'not_checked_in']],
      [ALICE, ['present', 'present', 'hospital']],
    ]);
    expect(register.people[0]?.totals).toEqual({
      events: 3,
      present: 1,
      justified: 0,
      absent: 2,
      attendance_rate: (1 / 3) * 100,
    });
  });

  it('with people=all adds the accounts without a row, never the admins; pages by people', async () => {
    const all = (await get(`/qr/admin/register?${RANGE}&people=all`)).json<Register>();
    expect(all.people.map((person) => person.user_id)).toEqual([GIGI, ALICE, FORMULA]);
    const second = (
      await get(`/qr/admin/register?${RANGE}&people=all&limit=1&page=2`)
    ).json<Register>();
    expect(second).toMatchObject({ total: 3, page: 2, limit: 1 });
    expect(second.people.map((person) => person.user_id)).toEqual([ALICE]);
  });

  it('downloads as CSV: BOM, header, a status per event, totals, RFC 4180 quoting', async () => {
    const response = await get(`/qr/admin/register.csv?${RANGE}&people=all`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe(
      'attachment; filename="register-2030-03-01-2030-03-31.csv"',
    );
    expect(response.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(response.body).toMatch(/\r\n$/);
    // The line break inside Gigi's surname is quoted, the quotes doubled.
    expect(response.body).toContain('"Bianchi; ""Gigi""\nJr"');
    expect(response.body).toContain(',"Lecture, intro (2030-03-02)",');
    expect(csvOf(response.body)).toEqual([
      [
        'surname',
        'name',
        'email',
        'user_id',
        'Lecture, intro (2030-03-02)',
        'Lab (2030-03-05)',
        'Lab (2030-03-09)',
        'present',
        'justified',
        'absent',
        'events',
        'attendance_rate',
      ],
      [
        GIGI_SURNAME,
        'Gigi',
        'gigi@example.com',
        '22',
        'present',
        'not_checked_in',
        'not_checked_in',
        '1',
        '0',
        '2',
        '3',
        '33.3',
      ],
      [
        'Rossi',
        'Alice',
        'alice@example.com',
        '21',
        'present',
        'present',
        'hospital',
        '2',
        '1',
        '0',
        '3',
        '66.7',
      ],
      // A cell a spreadsheet would run as a formula starts with '.
      [
        'Verdi',
        "'=SUM(A1)",
        'user23@example.com',
        '23',
        'not_checked_in',
        'not_checked_in',
        'not_checked_in',
        '0',
        '0',
        '3',
        '3',
        '0.0',
      ],
    ]);
  });

  it('with delimiter=semicolon: semicolons, quoted where a cell holds one, decimal commas', async () => {
    const response = await get(`/qr/admin/register.csv?${RANGE}&delimiter=semicolon`);
    expect(response.statusCode, response.body).toBe(200);
    const lines = response.body.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe(
      'surname;name;email;user_id;Lecture, intro (2030-03-02);Lab (2030-03-05);Lab (2030-03-09);present;justified;absent;events;attendance_rate',
    );
    const rows = csvOf(response.body, ';');
    expect(rows[1]?.slice(0, 2)).toEqual([GIGI_SURNAME, 'Gigi']);
    expect(rows[2]).toEqual([
      'Rossi',
      'Alice',
      'alice@example.com',
      '21',
      'present',
      'present',
      'hospital',
      '2',
      '1',
      '0',
      '3',
      '66,7',
    ]);
    // The surname holds the delimiter: quoted. Commas are plain text here, as is the rate's
    // decimal comma (the decimal separator of such locales).
    expect(lines[1]).toMatch(/^"Bianchi; ""Gigi""\nJr";Gigi;/);
    expect(lines[2]).toMatch(/;66,7$/);
  });

  it('with no event in the range still has its header, and no one in it', async () => {
    const response = await get('/qr/admin/register.csv?from=2029-01-01&to=2029-01-31');
    expect(response.statusCode).toBe(200);
    expect(csvOf(response.body)).toEqual([
      [
        'surname',
        'name',
        'email',
        'user_id',
        'present',
        'justified',
        'absent',
        'events',
        'attendance_rate',
      ],
    ]);
  });
});

describe('refusals', () => {
  const bad = [
    ['from after to', 'from=2030-03-31&to=2030-03-01', 'INVALID_DATE_RANGE'],
    ['367 days', 'from=2024-01-01&to=2025-01-01', 'INVALID_DATE_RANGE'],
    ['no such day', 'from=2030-02-30&to=2030-03-01', 'VALIDATION_ERROR'],
    ['not a date', 'from=march&to=2030-03-01', 'VALIDATION_ERROR'],
    ['to missing', 'from=2030-03-01', 'VALIDATION_ERROR'],
    ['year 0', 'from=0000-01-01&to=0000-01-02', 'INVALID_DATE_RANGE'],
  ] as const;
  const routes = [
    `/qr/admin/users/${String(ALICE)}/attendance`,
    '/qr/admin/register',
    '/qr/admin/register.csv',
  ];

  it('answers a bad range with a 400 JSON error on every report', async () => {
    for (const url of routes) {
      for (const [what, query, code] of bad) {
        const response = await get(`${url}?${query}`);
        expect(response.statusCode, `${url} ${what}`).toBe(400);
        expect(response.headers['content-type'], `${url} ${what}`).toMatch(/application\/json/);
        expect(response.json(), `${url} ${what}`).toMatchObject({ code });
      }
      // A leap year, both ends counted: 366 days is allowed.
      expect((await get(`${url}?from=2024-01-01&to=2024-12-31`)).statusCode, url).toBe(200);
    }
    const delimiter = await get(`/qr/admin/register.csv?${RANGE}&delimiter=tab`);
    expect(delimiter.statusCode).toBe(400);
    expect(delimiter.json()).toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it('is a 403 for a user who is not an admin, a 401 without a token', async () => {
    for (const url of routes) {
      const user = await get(`${url}?${RANGE}`, bearer(userToken(ALICE)));
      expect(user.statusCode, url).toBe(403);
      expect(user.json()).toEqual({ error: 'Admin access required', code: 'ADMIN_REQUIRED' });
      expect((await app.inject({ url: `${url}?${RANGE}` })).statusCode, url).toBe(401);
    }
  });
});

describe('a register larger than one batch', () => {
  it('streams every person once, in order, across batches of 500', async () => {
    const may = await createEvent(app, { event_name: 'Big lecture', date: '2030-05-04' });
    // 1 100 people sharing one surname and name: the id alone orders them, across batches.
    await app.db.query(
      `INSERT INTO users (id, name, last_name, email, synced_at)
       SELECT 100000 + n, 'Same', 'Person', 'p' || n || '@example.com', now()
         FROM generate_series(1, 1100) n`,
    );
    await app.db.query(
      `INSERT INTO attendance (event_id, user_id, name, surname, status, scanned_at)
       SELECT $1, 100000 + n, 'Same', 'Person', 'present', now() FROM generate_series(1, 1100) n`,
      [may.event_id],
    );
    const response = await get('/qr/admin/register.csv?from=2030-05-01&to=2030-05-31');
    expect(response.statusCode).toBe(200);
    const rows = csvOf(response.body).slice(1);
    expect(rows.map((row) => Number(row[3]))).toEqual(
      Array.from({ length: 1100 }, (_, index) => 100001 + index),
    );
    expect(new Set(rows.map((row) => row[4]))).toEqual(new Set(['present']));
  });
});
