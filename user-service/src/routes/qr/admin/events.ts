import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { enqueueAuditEvent, metrics, withTransaction } from '@cloud-backend/shared';
import { isStrictDate, parseDateTime, rfc3339 } from '../../../domain/dates.js';
import { buildEventId } from '../../../domain/event-id.js';
import { MESSAGES, fail, hasControlCharacters } from '../../../messages.js';
import { auditOrigin } from '../../../plugins/audit.js';
import { parseAllowedNetworks } from '../../../events/allowed-networks.js';
import { qrContent, qrImageDataUrl } from '../../../qr/qr-code.js';
import * as events from '../../../repositories/events.js';
import {
  currentQrSchema,
  deleteEventSchema,
  generateSchema,
  listEventsSchema,
  updateEventSchema,
} from '../../../schemas/events.js';
import { checkInFields } from './check-in-fields.js';
import { eventFields } from './event-json.js';

const SERVICE = 'user-service';
const MAX_EXPIRES_HOURS = 24 * 366;

type GenerateInput = Static<typeof generateSchema.body>;

/** The original's checks, in its order (docs/compatibility.md#generate), then the port's own. */
function validate(body: GenerateInput) {
  const name = body.event_name ?? '';
  const date = body.date ?? '';
  if (name.trim() === '' || date === '') fail(400, 'eventFieldsRequired');
  if (!isStrictDate(date)) fail(400, 'invalidDate');
  if (name.length > 255 || hasControlCharacters(name)) fail(400, 'invalidEventName');
  const rotation = body.rotation_seconds ?? null;
  if (rotation !== null && (rotation < 10 || rotation > 86400)) fail(400, 'invalidRotation');
  const hours = body.expires_hours;
  if (hours !== undefined && (hours < 1 || hours > MAX_EXPIRES_HOURS)) fail(400, 'invalidWindow');
  const startsAt = parseDateTime(body.starts_at);
  const expiresAt = parseDateTime(body.expires_at);
  if (startsAt === null || expiresAt === null) fail(400, 'invalidWindow');
  const networks = parseAllowedNetworks(body.allowed_networks);
  return { name, date, rotation, hours, startsAt, expiresAt, networks };
}

/**
 * Event creation, listing, (de)activation, deletion and the current QR
 * (docs/compatibility.md#user-service).
 */
const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/generate',
    { schema: generateSchema, config: { invalidPayload: MESSAGES.invalidPayload } },
    async (request, reply) => {
      const input = validate(request.body);
      const window = await events.resolveWindow(app.db, {
        date: input.date,
        timeZone: app.eventTimeZone,
        startsAt: input.startsAt,
        expiresAt: input.expiresAt,
        expiresHours: input.hours,
      });
      if (window.starts_at >= window.expires_at) fail(400, 'invalidWindow');
      if (window.expires_at <= window.now) fail(400, 'eventExpired');

      const eventId = buildEventId(input.name, input.date);
      const admin = request.user.user_id;
      const now = Date.now();
      const created = await withTransaction(app.db, async (client) => {
        const facts = {
          id: await events.nextEventId(client),
          event_id: eventId,
          event_name: input.name,
          date: input.date,
          created_by: admin,
          // Whole seconds: the static QR token's iat is derived from it, now and later.
          created_at: new Date(Math.floor(now / 1000) * 1000),
          starts_at: window.starts_at,
          expires_at: window.expires_at,
          rotation_seconds: input.rotation,
          allowed_networks: input.networks,
        };
        const { token } = app.qrTokens.issue(facts, now);
        const row = await events.insertEvent(client, { ...facts, qr_jwt: token });
        if (!row) return undefined;
        await enqueueAuditEvent(client, SERVICE, {
          action: 'event.created',
          user_id: null,
          actor_id: admin,
          success: true,
          ...auditOrigin(request),
          details: { event_id: eventId, event_name: input.name, date: input.date },
        });
        return { row, token };
      });
      if (!created) {
        return reply.code(409).send({
          error: `Evento '${input.name}' per la data ${input.date} già esistente`,
          code: 'EVENT_EXISTS',
          event_id: eventId,
        });
      }
      metrics.qrEventsTotal.inc({ service: SERVICE });
      const content = qrContent(created.token);
      return reply.code(201).send({
        message: 'QR generato con successo',
        ...eventFields(created.row),
        qr_content: content,
        qr_image_base64: await qrImageDataUrl(content),
        ...(await checkInFields(app, request, created.row, now)),
      });
    },
  );

  app.get('/events', { schema: listEventsSchema }, async () => {
    const rows = await events.listEventsWithStatistics(app.db);
    return {
      events: rows.map((row) => ({
        ...eventFields(row),
        created_at: rfc3339(row.created_at),
        is_active: row.is_active,
        statistics: {
          total_users: row.total_users,
          present_count: row.present_count,
          absent_count: row.total_users - row.present_count,
          scanned_count: row.scanned_count,
          attendance_rate: row.attendance_rate,
          status_breakdown: row.status_breakdown,
        },
      })),
      total: rows.length,
    };
  });

  app.get('/events/:event_id/qr', { schema: currentQrSchema }, async (request) => {
    const event = await events.findEvent(app.db, request.params.event_id);
    if (!event) fail(404, 'eventNotFound');
    // One moment for both codes: they rotate together.
    const now = Date.now();
    const issued = app.qrTokens.issue(event, now);
    const content = qrContent(issued.token);
    return {
      ...eventFields(event),
      is_active: event.is_active,
      qr_content: content,
      qr_image_base64: await qrImageDataUrl(content),
      ...(await checkInFields(app, request, event, now)),
      rotates_at: issued.rotatesAt ? rfc3339(issued.rotatesAt) : null,
    };
  });

  app.patch('/events/:event_id', { schema: updateEventSchema }, async (request) => {
    const { is_active: isActive, allowed_networks: networksInput } = request.body;
    if (isActive === undefined && networksInput === undefined) fail(400, 'networkOrActiveRequired');
    const networks = networksInput === undefined ? undefined : parseAllowedNetworks(networksInput);
    const eventId = request.params.event_id;
    const row = await withTransaction(app.db, async (client) => {
      let updated: events.EventRow | undefined;
      if (isActive !== undefined) updated = await events.setEventActive(client, eventId, isActive);
      if (networks !== undefined) {
        updated = await events.setAllowedNetworks(client, eventId, networks);
      }
      if (!updated) fail(404, 'eventNotFound');
      await enqueueAuditEvent(client, SERVICE, {
        action: 'event.updated',
        user_id: null,
        actor_id: request.user.user_id,
        success: true,
        ...auditOrigin(request),
        details: {
          event_id: updated.event_id,
          ...(isActive === undefined ? {} : { is_active: isActive }),
          ...(networks === undefined ? {} : { allowed_networks: updated.allowed_networks }),
        },
      });
      return updated;
    });
    return {
      message:
        isActive === undefined
          ? 'Event updated'
          : isActive
            ? 'Event activated'
            : 'Event deactivated',
      ...eventFields(row),
      is_active: row.is_active,
    };
  });

  app.delete('/events/:event_id', { schema: deleteEventSchema }, async (request) => {
    const eventId = request.params.event_id;
    const admin = request.user.user_id;
    const deleted = await withTransaction(app.db, async (client) => {
      const gone = await events.deleteEvent(client, eventId);
      if (!gone) fail(404, 'eventNotFound');
      await enqueueAuditEvent(client, SERVICE, {
        action: 'event.deleted',
        user_id: null,
        actor_id: admin,
        success: true,
        ...auditOrigin(request),
        details: { event_id: eventId, attendance_deleted: gone.attendance_deleted },
      });
      return gone;
    });
    return {
      message: 'Event deleted successfully',
      event_id: eventId,
      event_name: deleted.event_name,
      deleted_by: admin,
      attendance_deleted: deleted.attendance_deleted,
    };
  });
};

export default eventRoutes;
