import { NOT_FOUND, type ErrorBody } from '@cloud-backend/shared';

export const INVALID_PATH: ErrorBody = {
  error: 'The path may not contain "." or ".." segments',
  code: 'INVALID_PATH',
};

export interface Refusal {
  status: number;
  body: ErrorBody;
}

/** Upstream paths the gateway never forwards, whatever the route: service-to-service APIs. */
const INTERNAL = /^\/internal(\/|$)/;

function decode(path: string): string | null {
  try {
    return decodeURIComponent(path);
  } catch {
    return null;
  }
}

/**
 * Whether an upstream path (after the route's prefix rewrite, before the query) may be
 * forwarded. The check is on the path as the upstream will read it: percent-decoded, with
 * backslashes as slashes (URL parsers treat them so) and repeated slashes and case folded, so
 * `/auth/%2Finternal`, `/auth//Internal` or `/auth/./internal` cannot reach auth-service's
 * /internal routes. Dot segments are refused outright: the URL parser would resolve them, so a
 * path could name one route at the gateway (and its limits and checks) and another upstream.
 */
export function refuseDestination(dest: string, blocked: readonly RegExp[] = []): Refusal | null {
  const decoded = decode(dest)?.replaceAll('\\', '/');
  if (decoded === undefined) return { status: 400, body: INVALID_PATH };
  if (decoded.split('/').some((segment) => segment === '.' || segment === '..')) {
    return { status: 400, body: INVALID_PATH };
  }
  const folded = decoded.replace(/\/{2,}/g, '/').toLowerCase();
  if (INTERNAL.test(folded) || blocked.some((pattern) => pattern.test(folded))) {
    return { status: 404, body: NOT_FOUND };
  }
  return null;
}
