import { randomUUID } from 'node:crypto';
import fp from 'fastify-plugin';
import { HttpError, type AccessTokenClaims } from '@cloud-backend/shared';
import { feedReader } from '../revocations/feed.js';
import { reportRevocationSync } from '../revocations/metrics.js';
import { RedisRevocationMirror } from '../revocations/redis-mirror.js';
import { RevokedSessions } from '../revocations/revoked-sessions.js';
import { RevocationSync } from '../revocations/sync.js';
import type { Upstream } from '../upstreams.js';

export interface RevocationGuard {
  /**
   * False when the token's session was revoked (or the token has no session id, so it could
   * never be revoked). Throws a 503 until the feed has been read once, and while the last
   * complete read is older than the staleness bound.
   */
  isActive(claims: AccessTokenClaims): boolean;
  /** True once the feed has been read once. */
  readonly synced: boolean;
  /** Synced, and within the staleness bound: tokens are checked (for /health/ready). */
  readonly current: boolean;
  /** True while the Redis mirror is unusable and auth-service is polled directly. */
  readonly mirrorFailing: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    revocations: RevocationGuard;
  }
}

export interface RevocationOptions {
  auth: Upstream;
  internalToken: string;
  pollMs: number;
  feedTimeoutMs: number;
  /** REVOCATION_MAX_STALENESS_MS: how old the list may get before tokens are refused. */
  maxStalenessMs: number;
}

/** One poll period, in whole seconds: when a recovered feed is read again. */
const retryAfter = (pollMs: number) => ({
  'retry-after': String(Math.max(1, Math.ceil(pollMs / 1000))),
});

/**
 * Sessions ended at auth-service (logout, password or role change, deletion, refresh reuse) stop
 * working here within two poll periods: the revocation feed is polled in the background and
 * checked in memory on every request, shared through Redis when there is one (app.redis).
 *
 * It fails closed: while the list is older than the staleness bound (auth-service's feed
 * unreachable), a session ended meanwhile could still pass, so every request that needs a token
 * gets 503 REVOCATIONS_UNAVAILABLE and /health/ready is 503; routes without a token keep working
 * (docs/sessions-and-revocation.md).
 */
export default fp<RevocationOptions>(
  async (app, options) => {
    const sessions = new RevokedSessions();
    const sync = new RevocationSync({
      sessions,
      readFeed: feedReader(options.auth.pool, options.internalToken, options.feedTimeoutMs),
      ...(app.redis
        ? {
            // A lease of half a period: some replica reads auth-service in every period.
            mirror: new RedisRevocationMirror(
              app.redis,
              randomUUID(),
              Math.max(25, Math.floor(options.pollMs / 2)),
            ),
          }
        : {}),
      pollMs: options.pollMs,
      log: app.log.child({ component: 'revocations' }),
    });

    const notLoaded = new HttpError(
      503,
      'REVOCATIONS_UNAVAILABLE',
      'Session revocations are not loaded yet; try again shortly',
      undefined,
      retryAfter(options.pollMs),
    );
    const outOfDate = new HttpError(
      503,
      'REVOCATIONS_UNAVAILABLE',
      'Session revocations are out of date; try again shortly',
      undefined,
      retryAfter(options.pollMs),
    );

    const guard: RevocationGuard = {
      isActive(claims) {
        if (!sync.isCurrent(options.maxStalenessMs)) throw sync.synced ? outOfDate : notLoaded;
        // Only a string names a session auth-service could revoke: a token whose sid is null, a
        // number or an object could never be revoked, as one without a sid (refused too).
        return typeof claims.sid === 'string' && !sessions.isRevoked(claims.sid);
      },
      get synced() {
        return sync.synced;
      },
      get current() {
        return sync.isCurrent(options.maxStalenessMs);
      },
      get mirrorFailing() {
        return sync.mirrorFailing;
      },
    };
    app.decorate('revocations', guard);

    const stopReporting = reportRevocationSync({
      currentAt: () => sync.currentAt || sync.createdAt,
      revokedSessions: () => sessions.size,
    });

    app.addHook('onReady', async () => {
      await sync.start();
    });
    app.addHook('onClose', async () => {
      stopReporting();
      await sync.stop();
    });
  },
  { name: 'gateway-revocations', fastify: '5.x', dependencies: ['gateway-redis'] },
);
