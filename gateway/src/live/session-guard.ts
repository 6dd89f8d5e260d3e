import { Transform, type TransformCallback } from 'node:stream';
import type { AccessTokenClaims } from '@cloud-backend/shared';

/**
 * Passes a live stream's bytes through while the token that opened it still would be
 * accepted: its session not revoked, the revocation list current, the token not expired.
 * The check runs at every chunk, so a stream of a session revoked later ends at its next
 * message or heartbeat (every LIVE_HEARTBEAT_MS of user-service): a long-lived connection
 * gets no more than a request would (docs/sessions-and-revocation.md).
 */
export function sessionGuard(
  claims: AccessTokenClaims,
  isActive: (claims: AccessTokenClaims) => boolean,
  onRefused: (reason: string) => void,
): Transform {
  let refused = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      const reason = refused ? undefined : refusal(claims, isActive);
      if (!refused && reason === undefined) {
        callback(null, chunk);
        return;
      }
      callback();
      if (refused || reason === undefined) return;
      refused = true;
      onRefused(reason);
      // Ends the client's response: EventSource reconnects, and the new request is judged
      // like any other (401 for a revoked session, 503 while revocations are unknown).
      this.push(null);
    },
  });
}

function refusal(
  claims: AccessTokenClaims,
  isActive: (claims: AccessTokenClaims) => boolean,
): string | undefined {
  if (claims.exp * 1000 <= Date.now()) return 'token expired';
  try {
    return isActive(claims) ? undefined : 'session revoked';
  } catch {
    return 'revocations out of date';
  }
}
