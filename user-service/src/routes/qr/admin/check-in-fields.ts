import type { FastifyInstance, FastifyRequest } from 'fastify';
import { checkInUrl } from '../../../qr/check-in-url.js';
import { qrImageDataUrl } from '../../../qr/qr-code.js';
import type { EventRow } from '../../../repositories/events.js';

/**
 * The check-in URL of an event at nowMs and its QR (README.md, "Check-in URL"), added to the
 * generate and current-QR replies beside the original's qr_content. Without PUBLIC_URL the URL
 * starts with the origin the request came through (the gateway forwards the client's Host and
 * X-Forwarded-Proto), which is right whenever the admin reaches the app the way attendees do.
 */
export async function checkInFields(
  app: FastifyInstance,
  request: FastifyRequest,
  event: Pick<EventRow, 'id' | 'rotation_seconds'>,
  nowMs: number,
) {
  const base = app.publicUrl ?? `${request.protocol}://${request.host}`;
  const url = checkInUrl(base, app.checkInTokens.issue(event, nowMs));
  return { check_in_url: url, check_in_qr_image_base64: await qrImageDataUrl(url) };
}
