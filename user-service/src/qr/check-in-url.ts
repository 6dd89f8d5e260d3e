import { createHmac, timingSafeEqual } from 'node:crypto';
import { rotationPeriod } from './qr-token.js';

/**
 * The check-in URL (README.md, "Check-in URL"): `<PUBLIC_URL>/#/c/<token>`, a link a phone's
 * camera app opens in the web app. The token is a few bytes, not a JWT, so the QR holding the
 * whole URL stays small (version 6 or lower at error correction M for a PUBLIC_URL of up to
 * MAX_COMPACT_PUBLIC_URL_LENGTH characters) and is read from the back of a lecture hall.
 *
 * It is signed with the QR tokens' key and follows their rules: a static event's token is the
 * same for the event's whole life; a rotating event's names its rotation period and the scan
 * accepts the current period's or the previous one's. The check-in window itself (active,
 * started, not expired, the row it was signed for) is the event row's, judged by the check-in
 * statement as for the original's QR.
 *
 * Layout, base64url without padding: one kind byte (1 static, 2 rotating), the event row id
 * (uint32, big-endian), for a rotating event the period (uint32), then the first 12 bytes of an
 * HMAC-SHA256 over a label and those bytes. The label keeps a MAC of a JWT (same key) from ever
 * being one of these.
 */

const KIND_STATIC = 1;
const KIND_ROTATING = 2;
const MAC_BYTES = 12;
const MAC_LABEL = Buffer.from('cloud-backend/user-service/check-in-url/v1\0', 'utf8');

/** The longest token (a rotating event's): 21 bytes, 28 base64url characters. */
export const MAX_CHECK_IN_TOKEN_LENGTH = 28;

/**
 * The longest PUBLIC_URL whose check-in URLs still fit a version 6 QR at error correction M
 * (106 bytes): test/check-in-url.test.ts encodes the longest URL with it and one character more.
 */
export const MAX_COMPACT_PUBLIC_URL_LENGTH = 73;

/** The path of the web app's check-in page, after PUBLIC_URL (a hash route: frontend/src/router.ts). */
export const CHECK_IN_PATH = '/#/c/';

/** What a valid check-in token says. */
export interface CheckInClaims {
  /** attendance_events.id */
  eid: number;
  /** The rotation period (rotating events only). */
  rot: number | undefined;
}

export interface CheckInEventFacts {
  id: number;
  rotation_seconds: number | null;
}

export class CheckInTokens {
  constructor(private readonly key: Buffer) {}

  private mac(payload: Buffer): Buffer {
    return createHmac('sha256', this.key)
      .update(MAC_LABEL)
      .update(payload)
      .digest()
      .subarray(0, MAC_BYTES);
  }

  /** The token for the event at nowMs: deterministic, so every replica shows the same one. */
  issue(event: CheckInEventFacts, nowMs = Date.now()): string {
    const rotating = event.rotation_seconds !== null;
    const payload = Buffer.alloc(rotating ? 9 : 5);
    payload.writeUInt8(rotating ? KIND_ROTATING : KIND_STATIC, 0);
    payload.writeUInt32BE(event.id, 1);
    if (event.rotation_seconds !== null) {
      payload.writeUInt32BE(rotationPeriod(nowMs, event.rotation_seconds), 5);
    }
    return Buffer.concat([payload, this.mac(payload)]).toString('base64url');
  }

  /** The claims of a genuine token; null for anything else (never throws). */
  verify(token: string): CheckInClaims | null {
    if (token.length > MAX_CHECK_IN_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) return null;
    const bytes = Buffer.from(token, 'base64url');
    // Exactly the bytes of one of the two layouts, and the canonical spelling of them.
    if (bytes.toString('base64url') !== token) return null;
    const kind = bytes[0];
    const payloadLength = kind === KIND_STATIC ? 5 : kind === KIND_ROTATING ? 9 : -1;
    if (payloadLength < 0 || bytes.length !== payloadLength + MAC_BYTES) return null;
    const payload = bytes.subarray(0, payloadLength);
    if (!timingSafeEqual(bytes.subarray(payloadLength), this.mac(payload))) return null;
    const eid = payload.readUInt32BE(1);
    if (eid === 0) return null;
    return { eid, rot: kind === KIND_ROTATING ? payload.readUInt32BE(5) : undefined };
  }
}

/**
 * The token in what a client sent: the bare token, or the whole check-in URL (what a QR
 * reader app hands over), whose last path or fragment segment is the token.
 */
export function checkInTokenFrom(text: string): string {
  const trimmed = text.trim();
  const slash = trimmed.lastIndexOf('/');
  return slash < 0 ? trimmed : trimmed.slice(slash + 1);
}

/** PUBLIC_URL (or the origin the request came through) and the token, as one URL. */
export function checkInUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${CHECK_IN_PATH}${token}`;
}
