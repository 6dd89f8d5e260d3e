/**
 * The Register and per-person attendance pages' API calls (with a fake fetch, as
 * client.test.ts) and what the pages compute from the answers (src/pages/admin/report-model.ts).
 */
import { describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../src/api/client.js';
import { createApi } from '../src/api/endpoints.js';
import { Session } from '../src/api/session.js';
import type { AttendanceRegister, SessionReply } from '../src/api/types.js';
import {
  defaultRange,
  eventHeader,
  rangeFrom,
  rateText,
  registerRows,
  reportStatusLabel,
  shiftDays,
  totalColumns,
  totalsText,
} from '../src/pages/admin/report-model.js';
import { setLanguage } from '../src/i18n/i18n.js';
import { FakeClock, jsonResponse, MemoryStorage, sessionReply } from './support/fakes.js';

function setup(answer: (url: string) => Response) {
  const urls: string[] = [];
  const fetch = vi.fn((url: string) => {
    urls.push(url);
    return Promise.resolve(answer(url));
  });
  const refresh = vi.fn<(token: string) => Promise<SessionReply>>();
  const session = new Session({ storage: new MemoryStorage(), refresh, clock: new FakeClock() });
  session.start(sessionReply());
  return { api: createApi(new ApiClient(session, fetch)), urls };
}

const REGISTER: AttendanceRegister = {
  from: '2030-03-01',
  to: '2030-03-31',
  events: [
    { event_id: 'lab-2030-03-05', event_name: 'Lab', date: '2030-03-05' },
    { event_id: 'lab-2030-03-09', event_name: 'Lab', date: '2030-03-09' },
  ],
  people: [
    {
      user_id: 21,
      name: 'Alice',
      surname: 'Rossi',
      email: 'alice@example.com',
      deleted: false,
      statuses: ['present', 'not_checked_in'],
      totals: { events: 2, present: 1, justified: 0, absent: 1, attendance_rate: 50 },
    },
  ],
  total: 1,
  page: 1,
  limit: 50,
};

describe('the report calls', () => {
  it("asks for a person's attendance over the range", async () => {
    const { api, urls } = setup(() => jsonResponse(200, { events: [] }));
    await api.personAttendance(21, '2030-03-01', '2030-03-31');
    expect(urls).toEqual(['/user/qr/admin/users/21/attendance?from=2030-03-01&to=2030-03-31']);
  });

  it('asks for a page of the register, and downloads it as CSV with its name and BOM', async () => {
    const csv = '\uFEFFsurname;name\r\nRossi;Alice\r\n';
    const { api, urls } = setup((url) =>
      url.includes('.csv')
        ? new Response(csv, {
            headers: {
              'content-type': 'text/csv; charset=utf-8',
              'content-disposition': 'attachment; filename="register-2030-03-01-2030-03-31.csv"',
            },
          })
        : jsonResponse(200, REGISTER),
    );
    const range = { from: '2030-03-01', to: '2030-03-31' };
    await api.attendanceRegister({ ...range, people: 'all', page: 2, limit: 50 });
    const file = await api.attendanceRegisterCsv({
      ...range,
      people: 'attended',
      delimiter: 'semicolon',
    });
    expect(urls).toEqual([
      '/user/qr/admin/register?from=2030-03-01&to=2030-03-31&people=all&page=2&limit=50',
      '/user/qr/admin/register.csv?from=2030-03-01&to=2030-03-31&people=attended&delimiter=semicolon',
    ]);
    expect(file.filename).toBe('register-2030-03-01-2030-03-31.csv');
    // The byte order mark reaches the saved file, so that spreadsheets read it as UTF-8.
    const bytes = new Uint8Array(await file.blob.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });

  it("throws the API's error for a bad range", async () => {
    const error = {
      error: 'from and to must be dates (YYYY-MM-DD) with from not after to',
      code: 'INVALID_DATE_RANGE',
    };
    const { api } = setup(() => jsonResponse(400, error));
    await expect(
      api.attendanceRegisterCsv({ from: '2030-03-31', to: '2030-03-01' }),
    ).rejects.toMatchObject({
      status: 400,
      code: 'INVALID_DATE_RANGE',
      message: error.error,
    });
  });
});

describe('what the report pages show', () => {
  it('opens on the 30 days ending today, or the range in the address', () => {
    expect(shiftDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(shiftDays('2030-12-31', 1)).toBe('2031-01-01');
    expect(defaultRange('2030-03-30')).toEqual({ from: '2030-03-01', to: '2030-03-30' });
    const params = new URLSearchParams('from=2030-01-01');
    expect(rangeFrom(params, '2030-03-30')).toEqual({ from: '2030-01-01', to: '2030-03-30' });
  });

  it('labels every status, not_checked_in included, and the totals', () => {
    expect(reportStatusLabel('not_checked_in')).toBe('Not checked in');
    expect(reportStatusLabel('hospital')).toBe('Hospital');
    expect(rateText(null)).toBe('—');
    expect(rateText((2 / 3) * 100)).toBe('66.7 %');
    expect(
      totalsText({
        events: 3,
        present: 2,
        justified: 1,
        absent: 0,
        attendance_rate: (2 / 3) * 100,
      }),
    ).toBe('2 present of 3 events (66.7 %), 1 justified, 0 absent');
    const person = REGISTER.people[0];
    if (!person) throw new Error('no person');
    expect(totalColumns().map(([title, cell]) => `${title} ${cell(person.totals)}`)).toEqual([
      'Present 1',
      'Justified 0',
      'Absent 1',
      'Rate 50.0 %',
    ]);
  });

  it('says the totals in Italian, with its decimal comma, when Italian is chosen', async () => {
    setLanguage('it');
    try {
      expect(rateText((2 / 3) * 100)).toBe('66,7 %');
      expect(
        totalsText({ events: 1, present: 1, justified: 0, absent: 0, attendance_rate: 100 }),
      ).toBe('1 presenze su 1 evento (100,0 %), 0 giustificate, 0 assenze');
      expect(reportStatusLabel('not_checked_in')).toBe('Presenza non registrata');
    } finally {
      setLanguage('en');
    }
    await Promise.resolve();
  });

  it('titles each event column with its name and date, and keys rows by person', () => {
    const headers = REGISTER.events.map(eventHeader);
    expect(headers[0]).toMatch(/^Lab \(.*2030.*\)$/);
    expect(headers[0]).not.toBe(headers[1]);
    expect(registerRows(REGISTER).map((row) => row.id)).toEqual([21]);
  });
});
