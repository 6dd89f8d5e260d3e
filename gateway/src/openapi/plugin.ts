import fp from 'fastify-plugin';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { Route } from '../proxy/forward.js';
import type { Upstreams } from '../upstreams.js';
import { assemblePublicDocument, type ServiceName } from './assemble.js';
import { ServiceDocuments } from './sources.js';
import type { OpenApiDocument } from './types.js';

export interface PublicDocsOptions {
  upstreams: Upstreams;
  rows: readonly Route[];
  version: string;
  publicUrl?: string;
}

/**
 * GET /openapi.json, the public API as one OpenAPI document (openapi/assemble.ts), and /docs,
 * a reference page built from it by @fastify/swagger-ui, which serves its own assets (no
 * outside host is reached, so it works offline). The services' documents are read on the first
 * request and kept; one that cannot be read leaves the document incomplete, and says so, but
 * never fails it.
 */
export default fp<PublicDocsOptions>(
  async (app, { upstreams, rows, version, publicUrl }) => {
    const services: Record<ServiceName, (typeof upstreams)[ServiceName]> = {
      'auth-service': upstreams['auth-service'],
      'user-service': upstreams['user-service'],
      'social-log-service': upstreams['social-log-service'],
      'dashboard-api': upstreams['dashboard-api'],
    };
    const sources = new ServiceDocuments(services);
    let latest: OpenApiDocument | undefined;
    let builtFrom = -1;

    // Assembled again only when what is known of the services changed: /openapi.json is
    // public, and each assembly copies every operation.
    const build = async (): Promise<OpenApiDocument> => {
      const services = await sources.current();
      if (latest && builtFrom === sources.generation) return latest;
      builtFrom = sources.generation;
      latest = assemblePublicDocument({
        version,
        ...(publicUrl ? { publicUrl } : {}),
        gateway: app.swagger() as unknown as OpenApiDocument,
        services,
        rows,
      });
      return latest;
    };

    app.get('/openapi.json', { schema: { hide: true } }, async (_request, reply) =>
      reply.header('cache-control', 'no-cache').send(await build()),
    );

    await app.register(fastifySwaggerUi, {
      routePrefix: '/docs',
      // The page reads /docs/json: the public document, brought up to date as the page loads.
      uiHooks: {
        onRequest: (request, _reply, done) => {
          if (!request.url.split('?')[0]?.endsWith('/json')) {
            done();
            return;
          }
          build().then(() => {
            done();
          }, done);
        },
      },
      transformSpecification: () => latest ?? {},
      transformSpecificationClone: false,
      uiConfig: { docExpansion: 'list', deepLinking: true },
    });
  },
  { name: 'gateway-public-docs', fastify: '5.x' },
);
