import { createHmac } from 'node:crypto';
import { createSigner, createVerifier } from 'fast-jwt';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { ConfigError } from '@cloud-backend/shared';

export const QR_ISSUER = 'attendance-system';
export const QR_TOKEN_TYPE = 'attendance_qr';

// The label makes the derived key useless for anything but QR tokens: an access token (signed
// with JWT_SECRET itself) never verifies as a QR token, and a QR token never as an access token.
const KEY_LABEL = 'cloud-backend/user-service/attendance-qr-token/v1';

/** Clocks of replicas differ a little; a token "issued" a few seconds ahead is still fine. */
const IAT_LEEWAY_SECONDS = 30;
/** Far more than a real QR token (about 400 bytes); anything longer is not one of ours. */
export const MAX_QR_TOKEN_LENGTH = 4096;

/**
 * The key QR tokens are signed with (docs/compatibility.md#fix-qr-token): QR_SECRET, or one
 * derived from JWT_SECRET. Access tokens no longer use JWT_SECRET (docs/security.md), but QR
 * codes already printed were signed with the derived key, so JWT_SECRET stays its seed until
 * QR_SECRET is set.
 */
export function deriveQrKey(jwtSecret: string | undefined, qrSecret: string | undefined): Buffer {
  if (qrSecret !== undefined) return Buffer.from(qrSecret, 'utf8');
  if (jwtSecret === undefined) {
    throw new ConfigError([
      { variable: 'QR_SECRET', expected: 'missing; expected the QR-token key (or JWT_SECRET)' },
    ]);
  }
  return createHmac('sha256', jwtSecret).update(KEY_LABEL).digest();
}

/**
 * The original's claims (docs/compatibility.md#qr-token), plus `typ`, the event row's `eid` and,
 * when rotating, `rot`.
 */
const QrClaimsSchema = Type.Object({
  event_id: Type.String({ minLength: 1, maxLength: 100 }),
  event_name: Type.String(),
  date: Type.String(),
  created_by: Type.Union([Type.Integer(), Type.Null()]),
  iss: Type.Literal(QR_ISSUER),
  sub: Type.String(),
  exp: Type.Integer(),
  iat: Type.Integer(),
  typ: Type.Literal(QR_TOKEN_TYPE),
  /** attendance_events.id: a token of a deleted event never works for a re-created namesake. */
  eid: Type.Integer(),
  /** The rotation period the token belongs to (rotating QRs only). */
  rot: Type.Optional(Type.Integer()),
});
export type QrClaims = Static<typeof QrClaimsSchema>;

/** What the token is made from: one attendance_events row. */
export interface QrEventFacts {
  id: number;
  event_id: string;
  event_name: string;
  date: string;
  created_by: number | null;
  created_at: Date;
  expires_at: Date;
  rotation_seconds: number | null;
}

export interface IssuedQrToken {
  token: string;
  /** When a rotating QR is replaced by the next one; null for a static QR. */
  rotatesAt: Date | null;
}

const seconds = (ms: number) => Math.floor(ms / 1000);

/** The rotation period a moment falls in. */
export function rotationPeriod(nowMs: number, rotationSeconds: number): number {
  return Math.floor(seconds(nowMs) / rotationSeconds);
}

/**
 * Signs and checks QR tokens. Tokens are deterministic: a static QR is the same string whenever
 * it is asked for, and a rotating QR is the same for everyone during its period, so any replica
 * can show it without storing anything.
 */
export class QrTokens {
  private readonly sign: (payload: Record<string, unknown>) => string;
  private readonly decode: (token: string) => unknown;

  constructor(key: Buffer) {
    this.sign = createSigner({ key, algorithm: 'HS256' });
    // Time is checked below against the caller's clock; the library checks the rest.
    this.decode = createVerifier({
      key,
      algorithms: ['HS256'],
      allowedIss: QR_ISSUER,
      ignoreExpiration: true,
      ignoreNotBefore: true,
      cache: false,
    });
  }

  issue(event: QrEventFacts, nowMs = Date.now()): IssuedQrToken {
    const expiresAt = seconds(event.expires_at.getTime());
    let iat = seconds(event.created_at.getTime());
    let exp = expiresAt;
    let rot: number | undefined;
    let rotatesAt: Date | null = null;
    if (event.rotation_seconds !== null) {
      const period = rotationPeriod(nowMs, event.rotation_seconds);
      rot = period;
      iat = period * event.rotation_seconds;
      // Valid through the next period too: a scan accepts the current or the previous QR.
      exp = Math.min(expiresAt, (period + 2) * event.rotation_seconds);
      rotatesAt = new Date((period + 1) * event.rotation_seconds * 1000);
    }
    const claims: Record<string, unknown> = {
      event_id: event.event_id,
      event_name: event.event_name,
      date: event.date,
      created_by: event.created_by,
      iss: QR_ISSUER,
      sub: event.event_id,
      exp,
      iat,
      typ: QR_TOKEN_TYPE,
      eid: event.id,
    };
    if (rot !== undefined) claims.rot = rot;
    return { token: this.sign(claims), rotatesAt };
  }

  /** The claims of a valid, unexpired QR token; null for anything else (never throws). */
  verify(token: string, nowMs = Date.now()): QrClaims | null {
    if (token.length > MAX_QR_TOKEN_LENGTH) return null;
    let payload: unknown;
    try {
      payload = this.decode(token);
    } catch {
      return null;
    }
    if (!Value.Check(QrClaimsSchema, payload)) return null;
    const now = seconds(nowMs);
    if (payload.exp <= now || payload.iat > now + IAT_LEEWAY_SECONDS) return null;
    if (payload.sub !== payload.event_id) return null;
    return payload;
  }
}
