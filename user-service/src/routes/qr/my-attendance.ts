import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { rfc3339 } from '../../domain/dates.js';
import { parsePage } from '../../domain/pagination.js';
import { todayAttendance, userHistory } from '../../repositories/attendance.js';
import { historySchema, todaySchema } from '../../schemas/attendance.js';

const withMotivazione = (motivazione: string | null) => (motivazione ? { motivazione } : {}); // only when set, as the original

/**
 * GET /qr/attendance/history and /today, which always failed in the original (they read a table
 * its migrations had removed: docs/compatibility.md#fix-history, #fix-today), now over the one
 * attendance table.
 */
const myAttendanceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.authenticate);

  app.get('/history', { schema: historySchema }, async (request) => {
    const page = parsePage(request.query);
    const { rows, total } = await userHistory(app.db, request.user.user_id, page);
    return {
      attendances: rows.map((row) => ({
        id: Number(row.id),
        event_id: row.event_id,
        event_name: row.event_name,
        date: row.date,
        timestamp: rfc3339(row.timestamp),
        status: row.status,
        ...withMotivazione(row.motivazione),
      })),
      total,
      page: page.page,
      limit: page.limit,
    };
  });

  app.get('/today', { schema: todaySchema }, async (request) => {
    const { today, row } = await todayAttendance(app.db, request.user.user_id, app.eventTimeZone);
    const time_zone = app.eventTimeZone;
    if (!row) return { has_attendance: false, date: today, time_zone };
    return {
      has_attendance: true,
      date: today,
      time_zone,
      attendance: {
        id: Number(row.id),
        event_id: row.event_id,
        status: row.status,
        timestamp: rfc3339(row.timestamp),
        event_name: row.event_name,
        ...withMotivazione(row.motivazione),
      },
    };
  });
};

export default myAttendanceRoutes;
