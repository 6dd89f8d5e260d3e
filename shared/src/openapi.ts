/// <reference types="@fastify/swagger" preserve="true" />
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

export interface DocsOptions {
  /** One paragraph for the document's info.description. */
  description: string;
  /** Serve the interactive page at /docs (development); the JSON is always generated. */
  ui: boolean;
}

/**
 * OpenAPI 3 from the route schemas. Registered before the routes so every route is collected;
 * `app.swagger()` returns the document, and with `ui` it is browsable at /docs (/docs/json).
 */
export async function registerOpenApi(
  app: FastifyInstance,
  service: string,
  version: string,
  options: DocsOptions,
): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: service, version, description: options.description },
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
  if (options.ui) {
    await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  }
}
