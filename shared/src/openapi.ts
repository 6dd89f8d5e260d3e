/// <reference types="@fastify/swagger" preserve="true" />
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

export interface DocTag {
  name: string;
  description: string;
}

export interface DocsOptions {
  /** One paragraph for the document's info.description. */
  description: string;
  /** Serve the interactive page at /docs (development); the JSON is always generated. */
  ui: boolean;
  /** Every tag the service's routes use, with what it groups (the routes' `tags`). */
  tags?: DocTag[];
  /** Serve the document at SERVICE_DOCUMENT_PATH (default true; the gateway has its own). */
  publish?: boolean;
}

/** Where a service publishes its own document for the gateway (never forwarded by it). */
export const SERVICE_DOCUMENT_PATH = '/internal/openapi.json';

/** Who answers for the API, in every document (the public one at the gateway too). */
export const API_CONTACT = { name: 'The cloud-backend maintainers' };

/** The tags of the routes every service gets from createServiceApp. */
const COMMON_TAGS: DocTag[] = [
  { name: 'health', description: 'Liveness and readiness probes' },
  { name: 'metrics', description: 'Prometheus metrics, scraped over the internal network' },
  { name: 'internal', description: 'Service-to-service routes; the gateway never forwards them' },
];

/**
 * OpenAPI 3 from the route schemas. Registered before the routes so every route is collected;
 * `app.swagger()` returns the document, and with `ui` it is browsable at /docs (/docs/json).
 * The document is also served, whatever the environment, at SERVICE_DOCUMENT_PATH: the gateway
 * assembles the public document from these (it holds no secret, and /internal paths are never
 * forwarded, so only the internal network reaches it).
 */
export async function registerOpenApi(
  app: FastifyInstance,
  service: string,
  version: string,
  options: DocsOptions,
): Promise<void> {
  const tags = [...(options.tags ?? [])];
  for (const common of COMMON_TAGS) {
    if (!tags.some((tag) => tag.name === common.name)) tags.push(common);
  }
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: service, version, description: options.description, contact: API_CONTACT },
      // Relative: the service's own origin, wherever it runs (its port is internal).
      servers: [{ url: '/', description: `${service} itself, on the internal network` }],
      tags,
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          serviceToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'INTERNAL_API_TOKEN, for /internal routes',
          },
        },
      },
    },
  });
  if (options.publish !== false) {
    app.get(SERVICE_DOCUMENT_PATH, { schema: { hide: true } }, () => app.swagger());
  }
  if (options.ui) {
    await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  }
}
