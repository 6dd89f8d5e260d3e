import type { Access, Route } from '../proxy/forward.js';
import type { UpstreamName } from '../upstreams.js';

/** One public path that reaches a service's operation, and the row that carries it. */
export interface PublicPath {
  /** The gateway path template, e.g. /user/qr/scan. */
  path: string;
  /** The row the gateway picks for it (the most specific prefix), whose checks apply. */
  access: Access;
  /** The row's prefix: aliases of one operation are told apart by it. */
  prefix: string;
  /** The row's rewrite: the longest is the operation's main public path. */
  rewritePrefix: string;
  /** Whether the row has its own rate limit (login, registration) on top of the global one. */
  ownLimit: boolean;
}

function rowTakes(row: Route, method: string, path: string): boolean {
  if (row.methods && !row.methods.includes(method)) return false;
  if (row.exact) return path === row.prefix;
  return path === row.prefix || path.startsWith(`${row.prefix}/`);
}

/**
 * The row Fastify routes `method path` to: the longest prefix that takes it (an exact row
 * registers its methods on its prefix only, so other methods fall through to the catch-all).
 */
export function routeFor(rows: readonly Route[], method: string, path: string): Route | undefined {
  let best: Route | undefined;
  for (const row of rows) {
    if (!rowTakes(row, method, path)) continue;
    if (!best || row.prefix.length > best.prefix.length) best = row;
  }
  return best;
}

/**
 * Every gateway path that reaches `servicePath` on `upstream` with `method`: each row of that
 * upstream whose rewrite the path starts with gives a candidate, kept only when the gateway
 * routes the candidate back to the same service path (the more specific row may rewrite it
 * elsewhere). The rows that carry the same path collapse into the one the gateway picks.
 */
export function publicPaths(
  rows: readonly Route[],
  upstream: UpstreamName,
  method: string,
  servicePath: string,
): PublicPath[] {
  const found = new Map<string, PublicPath>();
  for (const row of rows) {
    if (row.upstream.name !== upstream) continue;
    if (row.methods && !row.methods.includes(method)) continue;
    let candidate: string;
    if (row.exact) {
      if (servicePath !== row.rewritePrefix) continue;
      candidate = row.prefix;
    } else if (
      row.rewritePrefix === '' ||
      servicePath === row.rewritePrefix ||
      servicePath.startsWith(`${row.rewritePrefix}/`)
    ) {
      candidate = row.prefix + servicePath.slice(row.rewritePrefix.length);
    } else {
      continue;
    }
    const winner = routeFor(rows, method, candidate);
    if (!winner || winner.upstream.name !== upstream) continue;
    const rewritten = winner.exact
      ? winner.rewritePrefix
      : winner.rewritePrefix + candidate.slice(winner.prefix.length);
    if (rewritten !== servicePath || found.has(candidate)) continue;
    found.set(candidate, {
      path: candidate,
      access: winner.access,
      prefix: winner.prefix,
      rewritePrefix: winner.rewritePrefix,
      ownLimit: (winner.limits?.length ?? 0) > 0,
    });
  }
  // The main path first: the longest rewrite (the row made for it), then the longest prefix.
  return [...found.values()].sort(
    (a, b) =>
      b.rewritePrefix.length - a.rewritePrefix.length ||
      b.prefix.length - a.prefix.length ||
      a.path.localeCompare(b.path),
  );
}
