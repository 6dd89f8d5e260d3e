import type { IncomingHttpHeaders } from 'node:http';
import type { IncomingHttpHeaders as Http2IncomingHttpHeaders } from 'node:http2';
import type { FastifyRequest, RawServerBase, RequestGenericInterface } from 'fastify';
import type { AccessTokenClaims } from '@cloud-backend/shared';

/**
 * Headers a client may not choose: identity (user-service once trusted a client's X-User-*:
 * docs/compatibility.md#fix-identity-headers), the
 * original's X-Gateway-Request marker, and every forwarding header: X-Forwarded-For, -Proto and
 * -Host are rewritten from what the gateway determined itself (user-service builds check-in URLs
 * from them when it has no PUBLIC_URL), the others dropped.
 */
function isReserved(name: string): boolean {
  return (
    name.startsWith('x-user-') ||
    name.startsWith('x-forwarded-') ||
    name === 'forwarded' ||
    name === 'x-real-ip' ||
    name === 'x-gateway-request'
  );
}

/**
 * A header value as HTTP carries it: printable ASCII stays as is; anything else (a name such
 * as "Nicolò") and "%" itself become percent-encoded UTF-8, so the value can be decoded with
 * decodeURIComponent and never breaks the request.
 */
export function headerValue(text: string): string {
  return text.replace(/[^\x20-\x24\x26-\x7e]/gu, (char) =>
    [...Buffer.from(char, 'utf8')]
      .map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)
      .join(''),
  );
}

/**
 * The request headers an upstream receives: the client's, minus the reserved ones, plus
 * the verified identity (on authenticated routes), the request id, and the client's address
 * as the gateway determined it through TRUST_PROXY (one clean X-Forwarded-For entry, so the
 * services, which trust the gateway, log the real client and nothing a client wrote).
 */
export function upstreamRequestHeaders(
  request: FastifyRequest<RequestGenericInterface, RawServerBase>,
  headers: IncomingHttpHeaders | Http2IncomingHttpHeaders,
): IncomingHttpHeaders {
  const result: IncomingHttpHeaders = {};
  for (const name in headers) {
    if (!isReserved(name)) result[name] = headers[name];
  }
  result['x-request-id'] = request.id;
  result['x-forwarded-for'] = request.ip;
  result['x-forwarded-proto'] = request.protocol;
  result['x-forwarded-host'] = request.host;

  // Set by the authentication hook on routes that need a token; null elsewhere.
  const user = request.user as AccessTokenClaims | null | undefined;
  if (user) Object.assign(result, identityHeaders(user));
  return result;
}

// A verified token's claims are one object for as long as it is cached (shared/src/auth.ts), so
// the identity headers of a client's requests are worked out once per token.
const identities = new WeakMap<AccessTokenClaims, IncomingHttpHeaders>();

function identityHeaders(user: AccessTokenClaims): IncomingHttpHeaders {
  let headers = identities.get(user);
  if (headers === undefined) {
    headers = {
      'x-user-id': String(user.user_id),
      'x-user-email': headerValue(user.email),
      'x-user-role': headerValue(user.role),
      'x-user-name': headerValue(typeof user.name === 'string' ? user.name : ''),
    };
    identities.set(user, headers);
  }
  return headers;
}
