import { pipeline } from 'node:stream';
import httpProxy from '@fastify/http-proxy';
import fp from 'fastify-plugin';
import { Pool } from 'undici';
import type { ErrorBody } from '@cloud-backend/shared';
import { refuseDestination } from '../proxy/destination.js';
import { upstreamRequestHeaders } from '../proxy/request-headers.js';
import { clientResponseHeaders } from '../proxy/response-headers.js';
import { answerUpstreamError } from '../proxy/upstream-errors.js';
import type { Upstream } from '../upstreams.js';
import { OpenStreams } from './open-streams.js';
import { sessionGuard } from './session-guard.js';

export interface LiveRouteOptions {
  user: Upstream;
  /** UPSTREAM_CONNECT_TIMEOUT_MS and UPSTREAM_TIMEOUT_MS: until the stream's headers arrive. */
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  /** LIVE_STREAMS_PER_ADMIN. */
  perAdmin: number;
  varyOnOrigin: boolean;
}

export const TOO_MANY_STREAMS: ErrorBody = {
  error: 'Too many live streams open for this account; close one first',
  code: 'TOO_MANY_STREAMS',
};

const PREFIX = '/user/qr/admin/events';

/**
 * GET /user/qr/admin/events/:event_id/live, user-service's live check-ins (Server-Sent Events),
 * beside the /user/qr/admin row of the route table and more specific than it, so it wins. It
 * differs from that row in three ways (docs/operations.md, streams):
 * - no upstream timeout once the stream has started: its own pool has no body timeout (the
 *   others' would cut a stream after UPSTREAM_TIMEOUT_MS), and connections of its own, so
 *   hours-long streams never take the other routes' connections;
 * - at most LIVE_STREAMS_PER_ADMIN open streams per admin on this replica (429 beyond);
 * - the session is checked again at every chunk the stream carries (live/session-guard.ts).
 * The bytes are passed on as they come: nothing here buffers them.
 */
export default fp<LiveRouteOptions>(
  async (app, options) => {
    const pool = new Pool(options.user.url, {
      pipelining: 1,
      connect: { timeout: options.connectTimeoutMs },
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: 0,
    });
    app.addHook('onClose', async () => pool.close());
    const streams = new OpenStreams(options.perAdmin);

    await app.register(async (scope) => {
      scope.addHook('onRequest', app.authenticate);
      scope.addHook('onRequest', app.requireAdmin);
      scope.addHook('onRoute', (route) => {
        route.schema = { ...route.schema, hide: true };
      });
      await scope.register(httpProxy, {
        upstream: options.user.url,
        prefix: PREFIX,
        rewritePrefix: '/qr/admin/events',
        httpMethods: ['GET'],
        routes: ['/:event_id/live'],
        undici: pool,
        proxyPayloads: false,
        disableRequestLogging: true,
        config: { upstream: options.user.name },
        replyOptions: {
          retryDelay: () => null,
          rewriteRequestHeaders: (request, headers) => upstreamRequestHeaders(request, headers),
          rewriteHeaders: (headers) => clientResponseHeaders(headers, options.varyOnOrigin),
          onError: answerUpstreamError,
          onResponse: (request, reply, res) => {
            const body = res.stream;
            if (res.statusCode !== 200) {
              void reply.send(body);
              return;
            }
            const guard = sessionGuard(
              request.user,
              (claims) => app.revocations.isActive(claims),
              (reason) => {
                request.log.info({ reason }, 'live stream ended: its session no longer passes');
                body.destroy();
              },
            );
            // Either end closing closes the other: a client gone ends the upstream request
            // (and user-service's stream), an upstream gone ends the client's.
            void reply.send(pipeline(body, guard, () => undefined));
          },
        },
        handler: (request, reply, dest, proxyOptions) => {
          const refusal = refuseDestination(dest);
          if (refusal) return reply.code(refusal.status).send(refusal.body);
          const release = streams.take(request.user.user_id);
          if (!release) return reply.code(429).send(TOO_MANY_STREAMS);
          reply.raw.once('close', release);
          return reply.from(dest, proxyOptions);
        },
      });
    });
  },
  { name: 'gateway-live-route', fastify: '5.x' },
);
