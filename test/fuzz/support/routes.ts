import type { FastifyInstance } from 'fastify';
import type { Route } from '../../../gateway/src/proxy/forward.js';
import { routeTable } from '../../../gateway/src/routes/route-table.js';
import type { Upstream, UpstreamName, Upstreams } from '../../../gateway/src/upstreams.js';
import type { JsonSchema } from './inputs.js';

/** One route of one service, as the fuzzer reaches it through the gateway. */
export interface FuzzRoute {
  /** e.g. "user-service PATCH /qr/admin/events/{event_id}". */
  name: string;
  upstream: UpstreamName;
  method: string;
  /** The service's path template, OpenAPI style ({param}). */
  servicePath: string;
  /** Every gateway path template that reaches it (aliases such as /login and /auth/login). */
  gatewayPaths: string[];
  pathParams: Record<string, JsonSchema>;
  query: { name: string; required: boolean; schema: JsonSchema }[];
  body: JsonSchema | undefined;
  /** Service-to-service routes: the gateway must never forward them (404 or 400). */
  internal: boolean;
}

interface Operation {
  parameters?: { in: string; name: string; required?: boolean; schema?: JsonSchema }[];
  requestBody?: { content: Record<string, { schema?: JsonSchema }> };
  /** In the public document: the service and the service's path behind the operation. */
  'x-service'?: { name: UpstreamName; path: string };
}

/** What the OpenAPI documents (the public one, the services' own) hold. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
}

function fuzzRoute(
  upstream: UpstreamName,
  method: string,
  servicePath: string,
  gatewayPaths: string[],
  operation: Operation,
): FuzzRoute {
  const parameters = operation.parameters ?? [];
  return {
    name: `${upstream} ${method} ${servicePath}`,
    upstream,
    method,
    servicePath,
    gatewayPaths,
    pathParams: Object.fromEntries(
      parameters
        .filter((parameter) => parameter.in === 'path')
        .map((parameter) => [parameter.name, parameter.schema ?? {}]),
    ),
    query: parameters
      .filter((parameter) => parameter.in === 'query')
      .map((parameter) => ({
        name: parameter.name,
        required: parameter.required === true,
        schema: parameter.schema ?? {},
      })),
    body: Object.values(operation.requestBody?.content ?? {})[0]?.schema,
    internal: INTERNAL.test(servicePath),
  };
}

const INTERNAL = /^\/internal(\/|$)/;

/**
 * The gateway's own route table, read with placeholder upstreams: only the prefixes, rewrites
 * and methods are used here. Rate-limit hooks are never called, so none are supplied.
 */
function gatewayRows(): Route[] {
  const upstream = (name: UpstreamName) => ({ name, url: '', readyPath: '' }) as Upstream;
  const upstreams: Upstreams = {
    'auth-service': upstream('auth-service'),
    'user-service': upstream('user-service'),
    'social-log-service': upstream('social-log-service'),
    'dashboard-api': upstream('dashboard-api'),
  };
  return routeTable({} as FastifyInstance, upstreams);
}

/**
 * The gateway paths that reach `servicePath` with `method`: every row whose rewrite the path
 * starts with. Several rows can yield the same gateway path (/auth + /register and the exact
 * /auth/register row): the gateway then picks the most specific one, which rewrites to the
 * same service path, so the duplicates are dropped.
 */
function gatewayPathsFor(rows: Route[], upstream: UpstreamName, method: string, path: string) {
  const found = new Set<string>();
  for (const row of rows) {
    if (row.upstream.name !== upstream) continue;
    if (row.methods && !row.methods.includes(method)) continue;
    if (row.exact) {
      if (path === row.rewritePrefix) found.add(row.prefix);
      continue;
    }
    const under =
      row.rewritePrefix === '' ||
      path === row.rewritePrefix ||
      path.startsWith(`${row.rewritePrefix}/`);
    if (under) found.add(row.prefix + path.slice(row.rewritePrefix.length));
  }
  return [...found].sort();
}

/**
 * The routes to fuzz. Those of the public API come from the gateway's public document
 * (/openapi.json): every operation with each gateway path that reaches it (its aliases, such as
 * /login and /auth/login, grouped by the service operation behind them). The service routes the
 * public document leaves out (/internal, /health, /metrics) are still reachable as paths under
 * a catch-all row, where the gateway must refuse or answer them safely: they come from the
 * services' own documents, with the gateway paths the route table gives them. A route added to
 * a service is fuzzed without touching this suite.
 */
export function collectRoutes(
  publicDocument: OpenApiDocument,
  documents: Partial<Record<UpstreamName, OpenApiDocument>>,
) {
  const grouped = new Map<string, { route: FuzzRoute; paths: Set<string> }>();
  for (const [path, operations] of Object.entries(publicDocument.paths)) {
    for (const [lower, operation] of Object.entries(operations)) {
      const service = operation['x-service'];
      // The gateway's own /health: not a forwarded route.
      if (!service) continue;
      const method = lower.toUpperCase();
      const key = `${service.name} ${method} ${service.path}`;
      const entry = grouped.get(key) ?? {
        route: fuzzRoute(service.name, method, service.path, [], operation),
        paths: new Set<string>(),
      };
      entry.paths.add(path);
      grouped.set(key, entry);
    }
  }
  const routes: FuzzRoute[] = [...grouped.values()].map(({ route, paths }) => ({
    ...route,
    gatewayPaths: [...paths].sort(),
  }));

  const rows = gatewayRows();
  // No gateway row leads there (social-log's /metrics, say): nothing to fuzz through it.
  const unreachable: string[] = [];
  for (const [upstream, document] of Object.entries(documents) as [
    UpstreamName,
    OpenApiDocument,
  ][]) {
    for (const [servicePath, operations] of Object.entries(document.paths)) {
      for (const [lower, operation] of Object.entries(operations)) {
        const method = lower.toUpperCase();
        if (grouped.has(`${upstream} ${method} ${servicePath}`)) continue;
        // An /internal path has no gateway row of its own: it is tried under the service's
        // catch-all where there is one, and the gateway must refuse it there.
        const gatewayPaths = gatewayPathsFor(rows, upstream, method, servicePath);
        if (gatewayPaths.length === 0) {
          unreachable.push(`${upstream} ${method} ${servicePath}`);
          continue;
        }
        routes.push(fuzzRoute(upstream, method, servicePath, gatewayPaths, operation));
      }
    }
  }
  return { routes, unreachable };
}
