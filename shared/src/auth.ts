/// <reference types="@fastify/jwt" preserve="true" />
import fastifyJwt from '@fastify/jwt';
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from './errors.js';

/** The claims of an access token issued by auth-service (decisions §4). */
export interface AccessTokenClaims {
  user_id: number;
  email: string;
  role: string;
  name: string;
  surname: string;
  identifier: string;
  exp: number;
  iat?: number;
  sub?: string;
  jti?: string;
  sid?: string;
  typ: 'access';
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: AccessTokenClaims;
    user: AccessTokenClaims;
  }
}

type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler: a valid access token, or the service's 401 body. */
    authenticate: Hook;
    /** preHandler: run after authenticate; role admin, or the service's 403 body. */
    requireAdmin: Hook;
  }
}

export interface AuthOptions {
  secret: string;
  /** Each service keeps the original's bodies; these are the defaults for new ones. */
  unauthorized?: ErrorBody;
  forbidden?: ErrorBody;
  /** A missing or malformed Authorization header, when it differs from `unauthorized`. */
  missing?: { status: number; body: ErrorBody };
  /**
   * After the signature and claims check: false when the token's session has been revoked
   * (auth-service looks at its sessions table; the gateway at its revocation list).
   */
  isSessionActive?: (claims: AccessTokenClaims) => Promise<boolean> | boolean;
  /** Called with the outcome of every verification (jwt_validation_total at the gateway). */
  onVerify?: (success: boolean) => void;
}

const DEFAULT_UNAUTHORIZED: ErrorBody = {
  error: 'Missing, invalid or expired access token',
  code: 'UNAUTHORIZED',
};
const DEFAULT_FORBIDDEN: ErrorBody = { error: 'Admin role required', code: 'ADMIN_REQUIRED' };

const NO_HEADER = 'FST_JWT_NO_AUTHORIZATION_IN_HEADER';
const MALFORMED_HEADER = 'FST_JWT_BAD_REQUEST';

function isAccessToken(claims: unknown): claims is AccessTokenClaims {
  const c = claims as Partial<AccessTokenClaims> | null;
  return (
    c !== null &&
    typeof c === 'object' &&
    c.typ === 'access' &&
    typeof c.exp === 'number' &&
    // Every consumer reads these; a token without them is not one auth-service issued.
    typeof c.email === 'string' &&
    typeof c.role === 'string' &&
    typeof c.user_id === 'number' &&
    Number.isSafeInteger(c.user_id)
  );
}

/**
 * Access-token verification for services: HS256 only (no `none`, no RS/HS confusion), `exp`
 * required, and `typ: "access"` so that a QR token or a refresh token never passes as a login.
 */
export const authPlugin = fp<AuthOptions>(
  async (app, options) => {
    await app.register(fastifyJwt, {
      secret: options.secret,
      verify: { algorithms: ['HS256'], requiredClaims: ['exp'] },
    });
    const unauthorized = options.unauthorized ?? DEFAULT_UNAUTHORIZED;
    const forbidden = options.forbidden ?? DEFAULT_FORBIDDEN;

    app.decorate('authenticate', async (request: FastifyRequest, reply: FastifyReply) => {
      let claims: unknown;
      try {
        claims = await request.jwtVerify();
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (options.missing && (code === NO_HEADER || code === MALFORMED_HEADER)) {
          options.onVerify?.(false);
          await reply.code(options.missing.status).send(options.missing.body);
          return;
        }
      }
      let valid = isAccessToken(claims);
      // A failing session lookup (database down) propagates: a 503, not a 401 that would log
      // the user out.
      if (valid && options.isSessionActive) {
        valid = await options.isSessionActive(claims as AccessTokenClaims);
      }
      options.onVerify?.(valid);
      if (!valid) {
        reply.header('www-authenticate', 'Bearer');
        await reply.code(401).send(unauthorized);
      }
    });

    app.decorate('requireAdmin', async (request: FastifyRequest, reply: FastifyReply) => {
      if ((request.user as AccessTokenClaims | undefined)?.role !== 'admin') {
        await reply.code(403).send(forbidden);
      }
    });
  },
  { name: 'cloud-backend-auth', fastify: '5.x' },
);
