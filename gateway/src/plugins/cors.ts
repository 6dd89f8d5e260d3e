import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export interface CorsOptions {
  /** '*' for any origin (never with credentials), or the exact origins allowed. */
  origins: '*' | string[];
}

const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
const ALLOWED_HEADERS =
  'Authorization, Content-Type, Accept, Origin, X-Requested-With, X-Request-ID';
// What a page may read from a response besides the CORS-safelisted headers.
const EXPOSED_HEADERS =
  'X-Request-ID, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/** A Vary value that also names `field`, keeping what is already there. */
export function varyWith(current: string | string[] | number | undefined, field: string): string {
  const fields = (Array.isArray(current) ? current.join(',') : String(current ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (fields.includes('*') || fields.some((f) => f.toLowerCase() === field.toLowerCase())) {
    return fields.join(', ');
  }
  return [...fields, field].join(', ');
}

/**
 * CORS for every response the gateway sends, proxied ones included (the original's were wiped on
 * proxied answers: docs/compatibility.md#fix-cors-headers): the gateway owns CORS
 * (proxy/response-headers.ts drops the upstreams' own). Tokens travel in the Authorization
 * header, never in cookies, so credentials are never allowed. These are set before anything
 * can answer (app.ts hands this to the shared app), so the 400s raised before routing carry
 * them too; preflights are answered by the plugin below.
 *
 * Not @fastify/cors: it registers a catch-all `OPTIONS *` route, which the shared not-found
 * handler reads as "this path exists for OPTIONS", so every unknown path would answer 405
 * instead of 404 (see the report on shared/src/route-table.ts).
 */
export function corsHeaders(origins: '*' | string[]) {
  return (request: FastifyRequest, reply: FastifyReply): void => {
    // With a list, the answer depends on the Origin header: caches must key on it.
    if (origins !== '*') reply.header('vary', varyWith(reply.getHeader('vary'), 'Origin'));
    const origin = request.headers.origin;
    if (origin === undefined || (origins !== '*' && !origins.includes(origin))) return;
    reply.header('access-control-allow-origin', origins === '*' ? '*' : origin);
    reply.header('access-control-expose-headers', EXPOSED_HEADERS);
  };
}

/**
 * Answers preflights, before rate limits and authentication. The CORS headers every answer
 * carries are set earlier, by corsHeaders (app.ts hands it to the shared app).
 */
export default fp<CorsOptions>(
  async (app, { origins }) => {
    app.addHook('onRequest', (request, reply, done) => {
      const origin = request.headers.origin;
      if (
        origin === undefined ||
        request.method !== 'OPTIONS' ||
        !request.headers['access-control-request-method']
      ) {
        done();
        return;
      }
      if (origins === '*' || origins.includes(origin)) {
        reply.header('access-control-allow-methods', ALLOWED_METHODS);
        reply.header('access-control-allow-headers', ALLOWED_HEADERS);
        reply.header('access-control-max-age', PREFLIGHT_MAX_AGE_SECONDS);
      }
      // A refused origin gets the same 204 without the allow headers: the browser blocks it.
      void reply.code(204).header('content-length', '0').send();
    });
  },
  { name: 'gateway-cors', fastify: '5.x' },
);
