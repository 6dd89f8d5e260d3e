import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { stringify } from 'csv-stringify/sync';
import { enqueueAuditEvent, withTransaction } from '@cloud-backend/shared';
import { defuse } from '../../../domain/csv-cells.js';
import { rfc3339OrNull } from '../../../domain/dates.js';
import { ATTENDANCE_STATUSES, isAttendanceStatus } from '../../../domain/statuses.js';
import { MESSAGES, fail } from '../../../messages.js';
import { auditOrigin } from '../../../plugins/audit.js';
import * as attendance from '../../../repositories/attendance.js';
import { findEvent } from '../../../repositories/events.js';
import { eventUsersSchema, exportCsvSchema, setStatusSchema } from '../../../schemas/attendance.js';
import { parseUserId } from '../../user-id.js';

const SERVICE = 'user-service';

function userJson(row: attendance.AttendanceRow) {
  return {
    user_id: row.user_id,
    name: row.name,
    surname: row.surname,
    status: row.status,
    motivazione: row.motivazione,
    scanned_at: rfc3339OrNull(row.scanned_at),
    updated_at: rfc3339OrNull(row.updated_at),
    updated_by: row.updated_by,
  };
}

/**
 * An event's report, the restored status edit and the CSV export
 * (docs/compatibility.md#event-report, #status-edit, #export-csv).
 */
const eventAttendanceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // The original registered one handler on both paths; so does the port.
  // Each path is its own operation in the OpenAPI document, so each has its own operationId.
  const paths = [
    ['/events/:event_id/users', 'listEventAttendance'],
    ['/events/:event_id/attendance', 'listEventAttendanceByAlias'],
  ] as const;
  for (const [path, operationId] of paths) {
    app.get(path, { schema: { ...eventUsersSchema, operationId } }, async (request) => {
      // The events row decides whether the event exists, not a table (#fix-event-report).
      const event = await findEvent(app.db, request.params.event_id);
      if (!event) fail(404, 'eventNotFound');
      const [rows, statistics] = await Promise.all([
        attendance.listEventAttendance(app.db, event.event_id),
        attendance.eventStatistics(app.db, event.event_id),
      ]);
      return {
        event_id: event.event_id,
        event_name: event.event_name,
        event_date: event.date,
        users: rows.map(userJson),
        qr_scanners: statistics.scanned_count,
        total_users: rows.length,
        statistics,
        system_type: 'selective_qr_only' as const,
      };
    });
  }

  app.get('/events/:event_id/export.csv', { schema: exportCsvSchema }, async (request, reply) => {
    const event = await findEvent(app.db, request.params.event_id);
    if (!event) fail(404, 'eventNotFound');
    const rows = await attendance.listEventAttendance(app.db, event.event_id);
    const csv = stringify(
      rows.map((row) => {
        const json = userJson(row);
        return {
          ...json,
          name: defuse(json.name),
          surname: defuse(json.surname),
          motivazione: json.motivazione === null ? '' : defuse(json.motivazione),
        };
      }),
      {
        header: true,
        columns: [
          'user_id',
          'name',
          'surname',
          'status',
          'motivazione',
          'scanned_at',
          'updated_at',
          'updated_by',
        ],
      },
    );
    const filename = `attendance-${event.event_id.replace(/[^a-z0-9-]/g, '_')}.csv`;
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${filename}"`)
      .send(csv);
  });

  app.patch(
    '/events/:event_id/users/:user_id/status',
    { schema: setStatusSchema },
    async (request, reply) => {
      const userId = parseUserId(request.params.user_id, 'invalidUserId');
      const { status } = request.body;
      if (!isAttendanceStatus(status)) {
        const { error, code } = MESSAGES.invalidStatus;
        return reply.code(400).send({ error, code, valid_statuses: [...ATTENDANCE_STATUSES] });
      }
      const motivazione = request.body.motivazione ?? null;
      // eslint-disable-next-line no-control-regex
      if (motivazione !== null && /\u0000/.test(motivazione)) fail(400, 'invalidText');
      const event = await findEvent(app.db, request.params.event_id);
      if (!event) fail(404, 'eventNotFound');
      const admin = request.user.user_id;
      const result = await withTransaction(app.db, async (client) => {
        const changed = await attendance.setStatus(client, {
          eventId: event.event_id,
          userId,
          status,
          motivazione,
          adminId: admin,
        });
        if (!changed) fail(404, 'userNotFound');
        await enqueueAuditEvent(client, SERVICE, {
          action: 'attendance.status_changed',
          user_id: userId,
          actor_id: admin,
          success: true,
          ...auditOrigin(request),
          details: { event_id: event.event_id, from: changed.previous, to: status },
        });
        return changed.row;
      });
      return { message: 'Status updated', event_id: event.event_id, user: userJson(result) };
    },
  );
};

export default eventAttendanceRoutes;
