/// <reference types="@fastify/jwt" preserve="true" />
import fastifyJwt from '@fastify/jwt';
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { ErrorBody } from './errors.js';
import { VerifiedTokens } from './verified-tokens.js';

/** The claims of an access token issued by auth-service (docs/compatibility.md#token-claims). */
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

/** Callback-style, so that it runs as an onRequest or preHandler hook without a promise. */
type Hook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

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

// How many verified tokens are remembered (see authPlugin).
const VERIFIED_TOKENS_CACHED = 10_000;

type BearerToken = { token: string } | { problem: 'missing' | 'malformed' };

/**
 * The token of an `Authorization: Bearer <token>` header, read exactly as @fastify/jwt reads it:
 * missing without a Bearer header, malformed for a Bearer header that is not two parts.
 */
function bearerToken(header: string | undefined): BearerToken {
  if (!header || !/^Bearer\s/i.test(header)) return { problem: 'missing' };
  const parts = header.split(' ');
  return parts.length === 2 && parts[1] ? { token: parts[1] } : { problem: 'malformed' };
}

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
 * A token that passed is remembered until its `exp` (verified-tokens.ts).
 */
export const authPlugin = fp<AuthOptions>(
  async (app, options) => {
    await app.register(fastifyJwt, {
      secret: options.secret,
      verify: { algorithms: ['HS256'], requiredClaims: ['exp'] },
    });
    const verified = new VerifiedTokens<AccessTokenClaims>(VERIFIED_TOKENS_CACHED);
    const verify = (token: string): AccessTokenClaims | undefined => {
      const now = Date.now();
      const known = verified.get(token, now);
      if (known !== undefined) return known;
      let claims: unknown;
      try {
        claims = app.jwt.verify(token);
      } catch {
        return undefined;
      }
      if (!isAccessToken(claims)) return undefined;
      verified.add(token, claims);
      return claims;
    };
    const unauthorized = options.unauthorized ?? DEFAULT_UNAUTHORIZED;
    const forbidden = options.forbidden ?? DEFAULT_FORBIDDEN;

    const refuse = (reply: FastifyReply) => {
      options.onVerify?.(false);
      void reply.code(401).header('www-authenticate', 'Bearer').send(unauthorized);
    };

    app.decorate('authenticate', ((request, reply, done) => {
      const bearer = bearerToken(request.headers.authorization);
      if (!('token' in bearer)) {
        if (!options.missing) return refuse(reply);
        options.onVerify?.(false);
        void reply.code(options.missing.status).send(options.missing.body);
        return;
      }
      const claims = verify(bearer.token);
      if (claims === undefined) return refuse(reply);
      const accept = (active: boolean) => {
        if (!active) return refuse(reply);
        request.user = claims;
        options.onVerify?.(true);
        done();
      };
      if (!options.isSessionActive) return accept(true);
      // A failing session lookup (database down) propagates: a 503, not a 401 that would log
      // the user out.
      let active: Promise<boolean> | boolean;
      try {
        active = options.isSessionActive(claims);
      } catch (err) {
        done(err as Error);
        return;
      }
      if (typeof active === 'boolean') accept(active);
      else active.then(accept, done);
    }) satisfies Hook);

    app.decorate('requireAdmin', ((request, reply, done) => {
      if ((request.user as AccessTokenClaims | undefined)?.role !== 'admin') {
        void reply.code(403).send(forbidden);
        return;
      }
      done();
    }) satisfies Hook);
  },
  { name: 'cloud-backend-auth', fastify: '5.x' },
);
