import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TProperties } from 'typebox';
import type { ErrorBody } from './errors.js';

/**
 * Service-to-service calls (the audit ingestion of social-log-service, the revocation feed of
 * auth-service) carry `Authorization: Bearer <INTERNAL_API_TOKEN>`. The gateway never forwards
 * /internal/* paths, and the services' ports are not published; the token is the second wall.
 */
export const internalTokenEnv = {
  INTERNAL_API_TOKEN: Type.Optional(
    Type.String({
      minLength: 32,
      description:
        'the credential services present to each other on /internal routes, at least 32 characters',
    }),
  ),
} satisfies TProperties;

export const INTERNAL_AUTH_REQUIRED: ErrorBody = {
  error: 'A valid service credential is required',
  code: 'INTERNAL_AUTH_REQUIRED',
};

export const INTERNAL_API_DISABLED: ErrorBody = {
  error: 'Internal API is disabled: INTERNAL_API_TOKEN is not set',
  code: 'INTERNAL_API_DISABLED',
};

// Hashing both sides gives equal-length buffers, so the comparison itself leaks no length.
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** The header value a caller sends. */
export function internalAuthorization(token: string): string {
  return `Bearer ${token}`;
}

/**
 * A preHandler for /internal routes: without a configured token the routes answer 503 (they
 * are off); with one, a missing or wrong credential is a 401.
 */
export function requireInternalToken(token: string | undefined) {
  const expected = token === undefined ? undefined : digest(token);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (expected === undefined) {
      await reply.code(503).send(INTERNAL_API_DISABLED);
      return;
    }
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
      await reply.code(401).send(INTERNAL_AUTH_REQUIRED);
    }
  };
}
