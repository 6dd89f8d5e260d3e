import { API_CONTACT } from '@cloud-backend/shared';
import type { Route } from '../proxy/forward.js';
import type { UpstreamName } from '../upstreams.js';
import { ERROR_SCHEMA, ERROR_SCHEMA_NAME, gatewayAnswers } from './gateway-answers.js';
import { publicPaths, type PublicPath } from './public-paths.js';
import type { OpenApiDocument, Operation, Response, Tag } from './types.js';

export type ServiceName = Exclude<UpstreamName, 'prometheus-service'>;

/** What the gateway knows of one service's document. */
export interface ServiceSource {
  document?: OpenApiDocument;
  /** ISO time of the last successful read. */
  readAt?: string;
  /** Why the last read failed, when it did. */
  error?: string;
}

export interface AssembleInput {
  version: string;
  /** PUBLIC_URL: where clients reach nginx or the gateway; unset, the document's own origin. */
  publicUrl?: string;
  /** The gateway's own document (its /health). */
  gateway: OpenApiDocument;
  services: Record<ServiceName, ServiceSource>;
  rows: readonly Route[];
}

/**
 * Never in the public document: service-to-service routes, metrics, probes other than the
 * gateway's own /health, and the documents themselves.
 */
const NOT_PUBLIC = /^\/(internal|metrics|health|docs|openapi\.json)(\/|$)/;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

const DESCRIPTION =
  'The public API of cloud-backend, as clients reach it through nginx and the gateway: every ' +
  "path is the gateway's, every operation carries the checks the gateway makes on it (the " +
  'access token, the admin role, the rate limits) and the answers the gateway itself can give ' +
  "(401, 403, 429, 502, 504, ...). It is assembled from the services' own documents.";

const ACCESS_TEXT = {
  public: 'No access token needed at the gateway.',
  user: 'Needs an access token (Authorization: Bearer), checked at the gateway.',
  admin: 'Needs an access token with the admin role, checked at the gateway.',
} as const;

function pascal(prefix: string): string {
  return prefix
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => (word[0] ?? '').toUpperCase() + word.slice(1))
    .join('');
}

function mergeAnswers(
  own: Record<string, Response> | undefined,
  gateway: Record<string, Response>,
): Record<string, Response> {
  const merged: Record<string, Response> = { ...own };
  for (const [status, answer] of Object.entries(gateway)) {
    const theirs = merged[status];
    merged[status] = theirs
      ? {
          ...theirs,
          description: `${theirs.description}; or, from the gateway, ${answer.description}`,
          ...(answer.headers ? { headers: { ...theirs.headers, ...answer.headers } } : {}),
        }
      : answer;
  }
  return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
}

function publicOperation(
  service: ServiceName,
  servicePath: string,
  operation: Operation,
  route: PublicPath,
  main: PublicPath,
): Operation {
  const id = operation.operationId ?? `${service}${pascal(servicePath)}`;
  const alias = route !== main;
  const notes: string[] = [ACCESS_TEXT[route.access]];
  if (alias) notes.push(`The same operation as ${main.path}, under another path.`);
  return {
    ...structuredClone(operation),
    operationId: alias ? `${id}Via${pascal(route.prefix)}` : id,
    description: [operation.description ?? operation.summary ?? '', ...notes]
      .filter(Boolean)
      .join('\n\n'),
    ...(route.access === 'public' ? {} : { security: [{ bearerAuth: [] }] }),
    // What the gateway itself checks (the service may check more, e.g. a token on /auth/me).
    'x-gateway-access': route.access,
    ...(route.access === 'admin' ? { 'x-required-role': 'admin' } : {}),
    'x-service': { name: service, path: servicePath },
    responses: mergeAnswers(operation.responses, gatewayAnswers(route.access, route.ownLimit)),
  };
}

/** The gateway's own public operations (its /health), as its document has them. */
function gatewayOperations(document: OpenApiDocument): [string, string, Operation][] {
  const found: [string, string, Operation][] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    if (path !== '/health') continue;
    for (const method of METHODS) {
      const operation = item[method];
      if (operation) found.push([path, method, { ...structuredClone(operation), security: [] }]);
    }
  }
  return found;
}

/**
 * The public OpenAPI document: each service's operations under the gateway paths that reach
 * them (gateway/src/routes/route-table.ts), with the gateway's checks and answers; the
 * services whose documents could not be read are named in info.description and
 * `x-services` rather than failing the whole document.
 */
export function assemblePublicDocument(input: AssembleInput): OpenApiDocument {
  const operations: [string, string, Operation][] = gatewayOperations(input.gateway);
  const tags = new Map<string, Tag>();
  for (const tag of input.gateway.tags ?? []) tags.set(tag.name, tag);
  const missing: string[] = [];

  for (const [service, source] of Object.entries(input.services) as [
    ServiceName,
    ServiceSource,
  ][]) {
    const document = source.document;
    if (!document) {
      missing.push(service);
      continue;
    }
    for (const tag of document.tags ?? []) if (!tags.has(tag.name)) tags.set(tag.name, tag);
    for (const [servicePath, item] of Object.entries(document.paths)) {
      if (NOT_PUBLIC.test(servicePath)) continue;
      for (const method of METHODS) {
        const operation = item[method];
        if (!operation) continue;
        const routes = publicPaths(input.rows, service, method.toUpperCase(), servicePath);
        const main = routes[0];
        if (!main) continue;
        for (const route of routes) {
          operations.push([
            route.path,
            method,
            publicOperation(service, servicePath, operation, route, main),
          ]);
        }
      }
    }
  }

  const paths: OpenApiDocument['paths'] = {};
  for (const [path, method, operation] of operations.sort(([a], [b]) => a.localeCompare(b))) {
    paths[path] = { ...paths[path], [method]: operation };
  }
  const used = new Set(
    Object.values(paths).flatMap((item) => Object.values(item).flatMap((op) => op.tags ?? [])),
  );
  const availability =
    missing.length === 0
      ? ''
      : `\n\nIncomplete: the documents of ${missing.join(', ')} could not be read when this ` +
        'one was assembled, so their operations are missing; the gateway tries again on the ' +
        'next request.';

  return {
    openapi: '3.1.0',
    info: {
      title: 'cloud-backend API',
      version: input.version,
      description: DESCRIPTION + availability,
      contact: API_CONTACT,
    },
    servers: [
      input.publicUrl
        ? { url: input.publicUrl.replace(/\/+$/, ''), description: 'PUBLIC_URL' }
        : { url: '/', description: 'the origin this document was read from' },
    ],
    tags: [...tags.values()]
      .filter((tag) => used.has(tag.name))
      .sort((a, b) => a.name.localeCompare(b.name)),
    paths,
    components: {
      schemas: { [ERROR_SCHEMA_NAME]: ERROR_SCHEMA },
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'the access token of POST /auth/login (or /auth/refresh)',
        },
      },
    },
    'x-services': Object.fromEntries(
      Object.entries(input.services).map(([service, source]) => [
        service,
        {
          status: source.document ? (source.error ? 'stale' : 'listed') : 'unavailable',
          ...(source.readAt ? { readAt: source.readAt } : {}),
          ...(source.error ? { error: source.error } : {}),
        },
      ]),
    ),
  };
}
