import type { IncomingHttpHeaders } from 'node:http';
import type { IncomingHttpHeaders as Http2IncomingHttpHeaders } from 'node:http2';
import { varyWith } from '../plugins/cors.js';

/**
 * An upstream's response headers as the client receives them: the gateway owns CORS (D5), so
 * an upstream's own Access-Control-* headers (user-service's and auth-service's allow-lists in
 * the original) are dropped; the gateway's CORS, helmet and rate-limit headers, set earlier on
 * the reply, then stand. A Vary from the upstream keeps the gateway's `Origin`.
 */
export function clientResponseHeaders(
  headers: IncomingHttpHeaders | Http2IncomingHttpHeaders,
  varyOnOrigin: boolean,
): IncomingHttpHeaders {
  const result: IncomingHttpHeaders = {};
  for (const name in headers) {
    if (!name.startsWith('access-control-')) result[name] = headers[name];
  }
  if (varyOnOrigin && result.vary !== undefined) result.vary = varyWith(result.vary, 'Origin');
  return result;
}
