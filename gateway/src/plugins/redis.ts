import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';

declare module 'fastify' {
  interface FastifyInstance {
    /** The connection shared by rate limits and revocations; null without REDIS_URL. */
    redis: Redis | null;
  }
}

export interface RedisOptions {
  url: string | undefined;
}

const STARTUP_WAIT_MS = 2000;
const LOG_EVERY_MS = 60_000;

/**
 * The Redis client, tuned to fail fast: while Redis is away, commands error at once (no offline
 * queue) or within 500 ms (a stalled server), and the callers fall back to per-replica state
 * instead of holding requests. ioredis keeps reconnecting in the background.
 */
export default fp<RedisOptions>(
  async (app, { url }) => {
    if (!url) {
      app.decorate('redis', null);
      return;
    }
    const redis = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 500,
      connectTimeout: 2000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    let lastLogged = 0;
    redis.on('error', (err: Error) => {
      if (Date.now() - lastLogged < LOG_EVERY_MS) return;
      lastLogged = Date.now();
      app.log.warn({ err }, 'Redis unreachable: rate limits and revocations are per replica');
    });
    redis.on('ready', () => {
      if (lastLogged !== 0) app.log.info('Redis reachable again');
      lastLogged = 0;
    });
    // Start with the shared state when Redis is there; never refuse to start without it.
    await Promise.race([once(redis, 'ready'), sleep(STARTUP_WAIT_MS)]).catch(() => undefined);
    app.decorate('redis', redis);
    app.addHook('onClose', async () => {
      redis.disconnect();
    });
  },
  { name: 'gateway-redis', fastify: '5.x' },
);
