import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { rfc3339OrNull } from '../../../domain/dates.js';
import { parsePage } from '../../../domain/pagination.js';
import { fail } from '../../../messages.js';
import { parseRange } from '../../../reports/range.js';
import { registerCsv } from '../../../reports/register-csv.js';
import { registerLines } from '../../../reports/register.js';
import { NOT_CHECKED_IN, totalsOf } from '../../../reports/totals.js';
import * as reports from '../../../repositories/reports.js';
import {
  personAttendanceSchema,
  registerCsvSchema,
  registerSchema,
} from '../../../schemas/reports.js';
import { parseUserId } from '../../user-id.js';

/**
 * Reports across events (docs/compatibility.md#term-reports): one person's attendance over a
 * date range, and the register of people × events, as JSON pages and as one CSV file.
 */
const reportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/users/:user_id/attendance', { schema: personAttendanceSchema }, async (request) => {
    const userId = parseUserId(request.params.user_id, 'invalidUserId');
    const range = parseRange(request.query);
    const person = await reports.findPerson(app.db, userId);
    if (!person) fail(404, 'userNotFound');
    const rows = await reports.personAttendance(app.db, userId, range);
    const events = rows.map((row) => ({
      event_id: row.event_id,
      event_name: row.event_name,
      date: row.date,
      status: row.status ?? NOT_CHECKED_IN,
      motivazione: row.motivazione,
      scanned_at: rfc3339OrNull(row.scanned_at),
    }));
    return {
      user: person,
      ...range,
      events,
      totals: totalsOf(events.map((event) => event.status)),
    };
  });

  app.get('/register', { schema: registerSchema }, async (request) => {
    const range = parseRange(request.query);
    const page = parsePage(request.query);
    const filter = { range, everyone: request.query.people === 'all' };
    const [events, people] = await Promise.all([
      reports.eventsInRange(app.db, range),
      reports.peoplePage(app.db, filter, page),
    ]);
    const lines = await registerLines(app.db, range, events, people.rows);
    return {
      ...range,
      events,
      people: lines.map((line) => ({
        ...line.person,
        statuses: line.statuses,
        totals: line.totals,
      })),
      total: people.total,
      page: page.page,
      limit: page.limit,
    };
  });

  app.get('/register.csv', { schema: registerCsvSchema }, async (request, reply) => {
    const range = parseRange(request.query);
    const filter = { range, everyone: request.query.people === 'all' };
    const events = await reports.eventsInRange(app.db, range);
    // Headers are sent with the first bytes: a failure after that can only cut the file short,
    // which the log records (a client sees a download that did not complete).
    const csv = registerCsv(app.db, filter, events, request.query.delimiter ?? 'comma', (err) => {
      // A client that goes away mid-download ends the stream early: not a failure of ours.
      const closed = (err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE';
      if (closed) request.log.info('the register CSV download ended before its end');
      else request.log.error({ err }, 'the register CSV failed while it was being written');
    });
    return (
      reply
        .type('text/csv; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="register-${range.from}-${range.to}.csv"`,
        )
        // The type provider knows the 200 body as the documented string; Fastify streams it.
        .send(csv as unknown as string)
    );
  });
};

export default reportRoutes;
