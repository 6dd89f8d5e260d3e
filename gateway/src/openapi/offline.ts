import type { FastifyInstance } from 'fastify';
import { routeTable } from '../routes/route-table.js';
import type { Upstream, UpstreamName, Upstreams } from '../upstreams.js';
import { assemblePublicDocument, type ServiceName } from './assemble.js';
import type { OpenApiDocument } from './types.js';

/**
 * The public document from documents in hand, without a running gateway: what the web app's
 * type generator (frontend/scripts/api-types.ts) and the route fuzzer use. The route table is
 * read with stand-in upstream addresses; only its prefixes, rewrites, methods and checks matter here
 * (its rate-limit hooks are never called).
 */
export function publicDocumentFrom(input: {
  services: Record<ServiceName, OpenApiDocument>;
  gateway: OpenApiDocument;
  version: string;
}): OpenApiDocument {
  const upstream = (name: UpstreamName) => ({ name, url: '', readyPath: '' }) as Upstream;
  const upstreams: Upstreams = {
    'auth-service': upstream('auth-service'),
    'user-service': upstream('user-service'),
    'social-log-service': upstream('social-log-service'),
    'dashboard-api': upstream('dashboard-api'),
  };
  const app = {
    loginRateLimit: () => Promise.resolve(),
    registerRateLimit: () => Promise.resolve(),
  } as unknown as FastifyInstance;
  return assemblePublicDocument({
    version: input.version,
    gateway: input.gateway,
    services: Object.fromEntries(
      Object.entries(input.services).map(([name, document]) => [name, { document }]),
    ) as Record<ServiceName, { document: OpenApiDocument }>,
    rows: routeTable(app, upstreams),
  });
}
