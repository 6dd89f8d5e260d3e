/// <reference types="@fastify/jwt" preserve="true" />
import { createVerifier } from 'fast-jwt';
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { ErrorBody } from './errors.js';
import {
  KeysUnavailableError,
  tokenHeader,
  type AccessTokenKeys,
  type TokenVerify,
} from './jwks.js';
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

// request.user is typed by @fastify/jwt's declarations (which other code may load too); the
// plugin itself is no longer registered: verification is below, with the published keys.
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

/** Tokens signed with the old shared secret, accepted until a set time (docs/security.md). */
export interface LegacyHs256 {
  secret: string;
  /** After this instant no HS256 token is accepted, whatever its exp. */
  until: Date;
}

export interface AuthOptions {
  /** The published keys (a RemoteKeySet at verifiers, auth-service's own store there). */
  keys: AccessTokenKeys;
  /** The legacy window: HS256 tokens of the shared secret, until `until`. */
  legacy?: LegacyHs256;
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
/** When the key set cannot be read: the token may be valid, so not a 401 that logs users out. */
export const SIGNING_KEYS_UNAVAILABLE: ErrorBody = {
  error: 'Access tokens cannot be checked right now; try again shortly',
  code: 'SIGNING_KEYS_UNAVAILABLE',
};
const KEYS_RETRY_AFTER_SECONDS = 5;

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

/** What checking one token gave: its claims, a refusal (401), or no key to tell (503). */
type Outcome = AccessTokenClaims | 'refused' | 'unavailable';

function outcomeOf(
  verify: TokenVerify | undefined,
  token: string,
): Exclude<Outcome, 'unavailable'> {
  if (verify === undefined) return 'refused';
  let claims: unknown;
  try {
    claims = verify(token);
  } catch {
    return 'refused';
  }
  return isAccessToken(claims) ? claims : 'refused';
}

/**
 * Access-token verification for services: EdDSA or ES256 with a key auth-service publishes,
 * picked by the token's `kid` (docs/security.md#access-token-keys); HS256 only inside the legacy
 * window; no `none`, no algorithm confusion (each key verifies its own algorithm only). `exp` is
 * required, and `typ: "access"` so that a QR token or a refresh token never passes as a login.
 * A token that passed with a published key is remembered until its `exp` (verified-tokens.ts);
 * legacy tokens are not, so that none outlives the window.
 */
export const authPlugin = fp<AuthOptions>(
  async (app, options) => {
    // @fastify/jwt's types say `user` holds the claims; until authenticate has run it is unset.
    if (!app.hasRequestDecorator('user')) {
      app.decorateRequest('user', undefined as unknown as AccessTokenClaims);
    }
    const legacy = options.legacy;
    const legacyVerify = legacy
      ? createVerifier({ key: legacy.secret, algorithms: ['HS256'], requiredClaims: ['exp'] })
      : undefined;
    const verified = new VerifiedTokens<AccessTokenClaims>(VERIFIED_TOKENS_CACHED);
    const verify = (token: string): Outcome | Promise<Outcome> => {
      const now = Date.now();
      const known = verified.get(token, now);
      if (known !== undefined) return known;
      const header = tokenHeader(token);
      if (header === undefined) return 'refused';
      if (header.alg === 'HS256') {
        if (legacy === undefined || now >= legacy.until.getTime()) return 'refused';
        return outcomeOf(legacyVerify, token);
      }
      if (typeof header.kid !== 'string') return 'refused';
      const remember = (verifyWith: TokenVerify | undefined): Outcome => {
        const outcome = outcomeOf(verifyWith, token);
        if (outcome !== 'refused') verified.add(token, outcome);
        return outcome;
      };
      let found: ReturnType<AccessTokenKeys['lookup']>;
      try {
        found = options.keys.lookup(header.kid);
      } catch (err) {
        if (err instanceof KeysUnavailableError) return 'unavailable';
        throw err;
      }
      if (!(found instanceof Promise)) return remember(found);
      return found.then(remember, (err: unknown) => {
        if (err instanceof KeysUnavailableError) return 'unavailable' as const;
        throw err;
      });
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
      const checked = (claims: Outcome) => {
        if (claims === 'refused') return refuse(reply);
        if (claims === 'unavailable') {
          options.onVerify?.(false);
          void reply
            .code(503)
            .header('retry-after', String(KEYS_RETRY_AFTER_SECONDS))
            .send(SIGNING_KEYS_UNAVAILABLE);
          return;
        }
        session(claims);
      };
      const session = (claims: AccessTokenClaims) => {
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
      };
      const outcome = verify(bearer.token);
      if (outcome instanceof Promise) outcome.then(checked, done);
      else checked(outcome);
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
