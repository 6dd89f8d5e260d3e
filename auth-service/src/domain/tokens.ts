import { randomUUID } from 'node:crypto';
import type { AccessTokenClaims } from '@cloud-backend/shared';
import type { UserRow } from '../repositories/users.js';

export type SignAccessToken = (claims: AccessTokenClaims) => string;

/**
 * The original's claims (email, user_id, role, name, surname, identifier, exp), which the
 * gateway and user-service read, plus iat, sub, jti, sid and typ
 * (docs/compatibility.md#token-claims).
 */
export function accessTokenClaims(
  user: UserRow,
  identifier: string,
  sessionId: string,
  ttlSeconds: number,
): AccessTokenClaims {
  const now = Math.floor(Date.now() / 1000);
  return {
    email: user.email ?? '',
    user_id: user.id,
    role: user.role,
    name: user.name,
    surname: user.surname,
    identifier,
    iat: now,
    exp: now + ttlSeconds,
    sub: String(user.id),
    jti: randomUUID(),
    sid: sessionId,
    typ: 'access',
  };
}

/** The user object of the login reply: every field present, email "" when there is none. */
export function publicUser(user: UserRow) {
  return {
    id: user.id,
    email: user.email ?? '',
    username: user.username,
    name: user.name,
    surname: user.surname,
    role: user.role,
  };
}

/** The login (and refresh) reply: the original's fields plus the session's refresh token. */
export function sessionReply(
  user: UserRow,
  accessToken: string,
  refreshToken: string,
  ttlSeconds: number,
  refreshTtlSeconds: number,
) {
  return {
    token: accessToken,
    access_token: accessToken,
    token_type: 'Bearer' as const,
    expires_in: ttlSeconds,
    refresh_token: refreshToken,
    refresh_expires_in: refreshTtlSeconds,
    user: publicUser(user),
  };
}
export type SessionReply = ReturnType<typeof sessionReply>;
