import { PassThrough } from 'node:stream';
import httpProxy from '@fastify/http-proxy';
import type { FastifyInstance, HTTPMethods, onRequestHookHandler } from 'fastify';
import type { UpstreamName, Upstream } from '../upstreams.js';
import { refuseDestination } from './destination.js';
import { upstreamRequestHeaders } from './request-headers.js';
import { clientResponseHeaders } from './response-headers.js';
import { answerUpstreamError } from './upstream-errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on proxied routes: gateway_proxy_requests_total's target_service. */
    upstream?: UpstreamName;
  }
}

/** Who may use a route: anyone, a valid access token, or an admin's. */
export type Access = 'public' | 'user' | 'admin';

/** One row of the route table (docs/compatibility.md#gateway-routes). */
export interface Route {
  upstream: Upstream;
  /** The gateway path prefix, e.g. /user/qr/admin. */
  prefix: string;
  /** What replaces the prefix upstream, e.g. /qr/admin ('' strips it). */
  rewritePrefix: string;
  access: Access;
  /** Default: every method. */
  methods?: readonly HTTPMethods[];
  /** Only the prefix itself (POST /login), not the paths below it. */
  exact?: boolean;
  /** Extra onRequest hooks, e.g. a rate limit. */
  limits?: readonly onRequestHookHandler[];
  /** Upstream paths (folded: lower case, single slashes) never forwarded on this route. */
  blocked?: readonly RegExp[];
}

export interface ForwardSettings {
  /** UPSTREAM_TIMEOUT_MS: for the response headers, and between body chunks. */
  timeoutMs: number;
  /** CORS with an origin list: the response varies on Origin. */
  varyOnOrigin: boolean;
}

// Every route forwards the body byte for byte, up to the app's 1 MiB limit (413 above it). It
// is read in full before the upstream is called, so a slow client never holds an upstream
// connection, then handed over as a stream: reply-from would re-serialise a JSON Buffer.
async function rawBodies(scope: FastifyInstance): Promise<void> {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, new PassThrough().end(body));
  });
}

/**
 * Registers one row of the route table: @fastify/http-proxy on the upstream's pool, behind the
 * row's checks, in a scope of its own so its hooks apply to its routes only. The order of the
 * checks is that of the original pipeline: limits, then the token, then the role.
 */
export async function forward(
  app: FastifyInstance,
  route: Route,
  settings: ForwardSettings,
): Promise<void> {
  await app.register(async (scope) => {
    await rawBodies(scope);
    for (const hook of route.limits ?? []) scope.addHook('onRequest', hook);
    if (route.access !== 'public') scope.addHook('onRequest', app.authenticate);
    if (route.access === 'admin') scope.addHook('onRequest', app.requireAdmin);
    // The OpenAPI document is about the gateway's own routes; these are the services'.
    scope.addHook('onRoute', (options) => {
      options.schema = { ...options.schema, hide: true };
    });

    await scope.register(httpProxy, {
      upstream: route.upstream.url,
      prefix: route.prefix,
      rewritePrefix: route.rewritePrefix,
      ...(route.methods ? { httpMethods: [...route.methods] } : {}),
      routes: route.exact ? ['/'] : ['/', '/*'],
      undici: route.upstream.pool,
      proxyPayloads: false,
      disableRequestLogging: true,
      config: { upstream: route.upstream.name },
      replyOptions: {
        timeout: settings.timeoutMs,
        // reply-from retries a GET that got a 503 up to 10 times, waiting for its Retry-After;
        // the client decides whether to retry, not the gateway.
        retryDelay: () => null,
        rewriteRequestHeaders: (request, headers) => upstreamRequestHeaders(request, headers),
        rewriteHeaders: (headers) => clientResponseHeaders(headers, settings.varyOnOrigin),
        onError: answerUpstreamError,
      },
      handler: (_request, reply, dest, options) => {
        const refusal = refuseDestination(dest, route.blocked);
        if (refusal) return reply.code(refusal.status).send(refusal.body);
        return reply.from(dest, options);
      },
    });
  });
}
