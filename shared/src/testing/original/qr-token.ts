import { createHmac } from 'node:crypto';

/** The secret the fixtures sign QR tokens with unless told otherwise. */
export const ORIGINAL_FIXTURE_JWT_SECRET = 'original-fixture-secret';

export interface QrTokenClaims {
  eventId: string;
  eventName: string;
  date: string;
  createdBy: number;
  /** When the token was made. */
  issuedAt: Date;
}

const base64url = (text: string): string => Buffer.from(text).toString('base64url');

/**
 * The QR token the original stored in `attendance_events.qr_jwt`: HS256, its claims in the
 * order its Go struct put them, expiring at the event date's 23:59:59 UTC.
 */
export function originalQrToken(
  claims: QrTokenClaims,
  secret = ORIGINAL_FIXTURE_JWT_SECRET,
): string {
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(
    JSON.stringify({
      event_id: claims.eventId,
      event_name: claims.eventName,
      date: claims.date,
      created_by: claims.createdBy,
      iss: 'attendance-system',
      sub: claims.eventId,
      exp: Math.floor(Date.parse(`${claims.date}T23:59:59Z`) / 1000),
      iat: Math.floor(claims.issuedAt.getTime() / 1000),
    }),
  );
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}
