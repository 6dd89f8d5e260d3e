import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { HttpError, metrics, recordSystemError } from '@cloud-backend/shared';
import { rfc3339 } from '../../domain/dates.js';
import { legacyTableName } from '../../domain/event-id.js';
import { MESSAGES, fail } from '../../messages.js';
import { auditOrigin } from '../../plugins/audit.js';
import { clientAddress } from '../../events/allowed-networks.js';
import { checkInTokenFrom } from '../../qr/check-in-url.js';
import { QR_TOKEN_TYPE, rotationPeriod, type QrClaims } from '../../qr/qr-token.js';
import { checkIn } from '../../repositories/check-in.js';
import { findEventIdByRowId, type EventRow } from '../../repositories/events.js';
import { scanSchema } from '../../schemas/attendance.js';

const SERVICE = 'user-service';
const UNKNOWN_EVENT = 'unknown';

/**
 * Throws the answer for an event row a valid QR token names when it may not be scanned now
 * (in the original's order); repositories/check-in.ts decides the same.
 */
function checkWindow(
  event: EventRow | undefined,
  claims: Pick<QrClaims, 'eid' | 'rot'>,
  nowMs: number,
): void {
  // A deleted and re-created namesake has another row id: the old QR does not open it.
  if (!event || !event.is_active || event.id !== claims.eid) fail(404, 'eventNotActive');
  if (nowMs < event.starts_at.getTime()) fail(400, 'eventNotStarted');
  if (nowMs > event.expires_at.getTime()) fail(400, 'qrInvalid');
  if (event.rotation_seconds === null) {
    if (claims.rot !== undefined) fail(400, 'qrInvalid');
  } else {
    // A rotating QR: the current period's or the previous one's, no older.
    const current = rotationPeriod(nowMs, event.rotation_seconds);
    if (claims.rot === undefined || claims.rot > current || claims.rot < current - 1) {
      fail(400, 'qrInvalid');
    }
  }
}

type ScanBody = Static<typeof scanSchema.body>;

/** The qr_content type the original refused (checked after the token's presence, as it did). */
function unsupportedType(body: ScanBody): string | null {
  if ((body.check_in_token?.trim() ?? '') !== '') return null;
  if ((body.qr_content?.jwt ?? '') === '') return null;
  const type = body.qr_content?.type ?? '';
  return type !== '' && type !== QR_TOKEN_TYPE ? type : null;
}

/**
 * POST /qr/scan (docs/compatibility.md#scan): the same checks, order, codes and messages as the
 * original, with its defects fixed: the QR token has its own key and type and is HS256 only
 * (#fix-qr-token), a validity window in the events' time zone (#fix-validity-window), and the
 * check-in is one INSERT … ON CONFLICT, so simultaneous scans give one 201 and 409s, never a 500
 * (#fix-double-check-in). Reading the
 * event, the check-in and its audit event are one statement (repositories/check-in.ts): the
 * lecture-hall burst of docs/PERFORMANCE.md is bound by round trips to PostgreSQL.
 *
 * Besides the original's qr_content it takes `check_in_token`, the token of an event's check-in
 * URL or the whole URL (qr/check-in-url.ts), with the same checks and answers; and an event with
 * allowed_networks refuses a scan from any other address with 403 NETWORK_NOT_ALLOWED.
 */
const scanRoutes: FastifyPluginAsyncTypebox = async (app) => {
  /** The event and window a scan names: from check_in_token when given, else qr_content. */
  async function scannedToken(body: ScanBody, now: number) {
    const checkInText = body.check_in_token?.trim() ?? '';
    if (checkInText !== '') {
      const claims = app.checkInTokens.verify(checkInTokenFrom(checkInText));
      if (!claims) fail(400, 'qrInvalid');
      const eventId = await findEventIdByRowId(app.db, claims.eid);
      if (eventId === undefined) fail(404, 'eventNotActive');
      return { event_id: eventId, eid: claims.eid, rot: claims.rot };
    }
    const token = body.qr_content?.jwt ?? '';
    if (token === '') fail(400, 'qrContentRequired');
    const claims = app.qrTokens.verify(token, now);
    if (!claims) fail(400, 'qrInvalid');
    return claims;
  }

  app.post(
    '/scan',
    {
      schema: scanSchema,
      config: { invalidPayload: MESSAGES.invalidPayload },
      preHandler: app.authenticate,
    },
    async (request, reply) => {
      let eventLabel = UNKNOWN_EVENT;
      try {
        const type = unsupportedType(request.body);
        if (type !== null) {
          const { error, code } = MESSAGES.qrTypeUnsupported;
          metrics.qrScansTotal.inc({ event_id: eventLabel, status: 'failed', service: SERVICE });
          return await reply.code(400).send({ error, code, received_type: type.slice(0, 100) });
        }
        const now = Date.now();
        const claims = await scannedToken(request.body, now);
        eventLabel = claims.event_id;

        const user = request.user;
        const result = await checkIn(app.db, {
          eventId: claims.event_id,
          eventRowId: claims.eid,
          rot: claims.rot,
          nowMs: now,
          userId: user.user_id,
          name: typeof user.name === 'string' ? user.name : 'Unknown',
          surname: typeof user.surname === 'string' ? user.surname : 'User',
          admin: user.role === 'admin',
          clientAddress: clientAddress(request.ip),
          service: SERVICE,
          audit: {
            action: 'attendance.check_in',
            user_id: user.user_id,
            actor_id: null,
            success: true,
            ...auditOrigin(request),
            details: { event_id: claims.event_id, status: 'present' },
          },
        });
        // The statement judged the window; checkWindow names what it refused. Both read the
        // same row at the same moment, so a refusal it cannot name is a QR out of its window.
        if (!result.open) {
          checkWindow(result.event, claims, now);
          fail(400, 'qrInvalid');
        }
        const event = result.event;
        if (!event) fail(404, 'eventNotActive');
        if (!result.networkAllowed) fail(403, 'networkNotAllowed');
        if (!result.scannedAt) fail(409, 'alreadyCheckedIn');

        metrics.qrScansTotal.inc({ event_id: eventLabel, status: 'success', service: SERVICE });
        return await reply.code(201).send({
          success: true as const,
          message: 'Presenza registrata automaticamente',
          event_id: event.event_id,
          event_name: event.event_name,
          status: 'present' as const,
          timestamp: rfc3339(result.scannedAt),
          validation: 'automatic' as const,
          table_name: legacyTableName(event.event_id),
        });
      } catch (err) {
        metrics.qrScansTotal.inc({ event_id: eventLabel, status: 'failed', service: SERVICE });
        if (!(err instanceof HttpError)) recordSystemError('database_error', SERVICE);
        throw err;
      }
    },
  );
};

export default scanRoutes;
